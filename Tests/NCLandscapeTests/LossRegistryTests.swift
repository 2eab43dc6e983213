#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import XCTest
@testable import NCLandscape

/// The registry is the only list of losses: everything that names losses reads it, and every
/// loss in it states a bound that holds.
final class LossRegistryTests: CommandLineTestCase {
    override var folderPrefix: String { "nclandscape-losses" }

    /// A value of each parameter other than its default (inside its range), so that a round trip
    /// that dropped it would be seen.
    func nonDefault(_ p: LossParameter) -> Double {
        let v = p.defaultValue == 0 ? 0.25 : p.defaultValue / 2
        return min(max(v, p.minimum ?? v), p.maximum ?? v)
    }

    func testEveryLossRoundTripsThroughJSONAndParsing() throws {
        XCTAssertEqual(Set(LossRegistry.kinds).count, LossRegistry.kinds.count, "kinds are unique")
        for d in LossRegistry.definitions {
            let values = Dictionary(uniqueKeysWithValues: d.parameters.map { ($0.key, nonDefault($0)) })
            let loss = try LossFunction.make(kind: d.kind, parameters: values)
            XCTAssertEqual(loss.values, values)
            let back = try JSONDecoder().decode(LossFunction.self, from: JSONOutput.encode(loss, pretty: false))
            XCTAssertEqual(back, loss)
            XCTAssertEqual(back.name, loss.name)
            // Defaults: absent parameters take them, and the name spells them.
            let plain = try LossFunction.make(kind: d.kind, parameters: [:])
            XCTAssertEqual(plain.definition.parameterValues, d.parameters.map(\.defaultValue))
            // Out of range is refused by the loss's own validation.
            for p in d.parameters {
                if let lo = p.minimum { assertThrowsInput(try LossFunction.make(kind: d.kind, parameters: [p.key: lo - 1]), contains: p.key) }
                if let hi = p.maximum { assertThrowsInput(try LossFunction.make(kind: d.kind, parameters: [p.key: hi + 1]), contains: p.key) }
            }
            // A parameter of another loss is refused, naming its owners.
            for key in LossRegistry.parameterKeys where !d.parameters.contains(where: { $0.key == key }) {
                assertThrowsInput(try LossFunction.make(kind: d.kind, parameters: [key: 1]), contains: "\(key) belongs to the")
            }
        }
    }

    /// The binary lists the registry (`losses --json`), and every loss with every parameter
    /// reaches a point file through `--loss` and `--loss-parameter`.
    func testBinaryReadsTheRegistry() throws {
        let listed = try run(["losses", "--json"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let entries = try JSONDecoder().decode([LossRegistry.Entry].self, from: Data(listed.stdout.utf8))
        XCTAssertEqual(entries.map(\.kind), LossRegistry.kinds)
        let help = try run(["point", "--help"]).stdout
        for d in LossRegistry.definitions {
            XCTAssertTrue(help.contains(d.kind), "--help lists \(d.kind)")
            var args = ["point", "etf", "--K", "3", "--d", "4", "--n", "1", "--loss", d.kind, "-o", "\(d.kind).json"]
            var values: [String: Double] = [:]
            for p in d.parameters { values[p.key] = nonDefault(p); args += ["--loss-parameter", "\(p.key)=\(nonDefault(p))"] }
            let r = try run(args)
            XCTAssertEqual(r.status, 0, r.stderr)
            let file = try PointFile.decode(from: Data(contentsOf: URL(fileURLWithPath: dir + "/\(d.kind).json")), source: d.kind)
            XCTAssertEqual(file.model.loss, try LossFunction.make(kind: d.kind, parameters: values))
            // The sweep's loss axis takes every kind, and its keys carry the loss's name.
            let swept = try run(["sweep", "--K", "3", "--d", "4", "--loss", d.kind, "--list"])
            XCTAssertEqual(swept.status, 0, swept.stderr)
            let name = try LossFunction.make(kind: d.kind, parameters: [:]).name
            XCTAssertTrue(swept.stdout.contains(name) || name == LossRegistry.defaultLoss.name, swept.stdout)
        }
        // The shorthand flags are parameters the registry declares.
        for key in ["gamma", "margin"] { XCTAssertTrue(LossRegistry.isParameterKey(key), key) }
        XCTAssertEqual(try run(["point", "etf", "--loss", "no-such-loss", "-o", "x.json"]).status, 1)
    }

    /// Each loss's stated bound is a lower bound at random points and at the ETF, and where it is
    /// said to be attained (ε = 0, balanced, d ≥ K−1, where every loss here is attained by the
    /// ETF if at all), the ETF meets it. A loss that borrowed another's bound fails here.
    func testEveryBoundHoldsAndIsAttainedWhereClaimed() throws {
        for d in LossRegistry.definitions {
            for (K, dim, tau) in [(3, 4, 2.0), (4, 3, 5.0), (5, 6, 1.0)] {
                let loss = try LossFunction.make(kind: d.kind, parameters: [:])
                let model = try NormalizedFeatureModel(K: K, d: dim, n: 2, tau: tau, loss: loss)
                guard let bound = model.lossBound else { continue }
                var rng = SeededGenerator(seed: 7)
                for _ in 0 ..< 20 {
                    let f = model.loss(at: model.manifold.randomPoint(using: &rng))
                    // A lower bound may be met only up to the loss's rounding (1e-12 relative).
                    XCTAssertGreaterThanOrEqual(f, bound.value * (1 - 1e-12), "\(loss.name) K=\(K) d=\(dim) τ=\(tau)")
                }
                let etf = try SpecialPoints.make(.etf, model: model, rng: &rng)
                let fEtf = model.loss(at: etf)
                XCTAssertGreaterThanOrEqual(fEtf, bound.value * (1 - 1e-12), "\(loss.name) at the ETF")
                if bound.attained { XCTAssertTrue(bound.isMet(by: fEtf), "\(loss.name) K=\(K) d=\(dim) τ=\(tau): f(ETF) = \(fEtf), bound \(bound.value)") }
            }
        }
    }
}
