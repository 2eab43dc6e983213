import ArgumentParser
import Foundation
import NCLandscape

struct SpectrumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrum",
        abstract: "Riemannian Hessian spectrum, inertia, symmetry nullity and class of one point.",
        discussion: """
        Classes (docs/formulas.md §4): global_minimizer (also when the loss meets a proven lower bound:
        non-isolated minima), strict_saddle, spurious_local_minimizer, local_minimizer (nondegenerate
        minimizer with no proven optimum to compare with), degenerate, not_critical (‖grad‖ above
        max(1e-10·‖M‖₂, 1e-12·γ); use --polish to converge to the nearby critical point first).
        """)

    @OptionGroup var input: PointInputOptions
    @Flag(name: .customLong("polish"), help: "Polish with Riemannian Newton (pseudo-inverse on the symmetry null space) to ‖grad‖ ≤ 1e-12·γ first: on the reduced problem at collapsed points, dense up to m = 1000, Newton–MINRES on Hessian-vector products beyond; progress on a terminal.")
    var polish = false
    @Option(name: .customLong("eigenvectors"), help: "Number of lowest eigenpairs to report, mapped back to (Ẇ, Ḣ).")
    var eigenvectors: Int = 0
    @Option(name: .customLong("top"), help: "Also report the k largest eigenpairs (λ_max, the sharpness, and the next ones) with residuals, by the same method: a partial dense solve, ARPACK on the largest eigenvalues (Lanczos), or the complete reduced spectrum. In the table, JSON (topEigenpairs) and report folder (top_eigenvalues.csv). Default: 0 (none).")
    var top: Int = 0
    @Flag(name: .customLong("json"), help: "Print one JSON object instead of the table.")
    var json = false
    @Option(name: .customLong("out"), help: "Write a report folder (report.md, spectrum.csv, spectrum.svg, summary.json; with --method density: density.csv, density.svg, report.md). Default: none (nothing written).")
    var out: String?
    @Option(name: .customLong("polished-output"), help: "Write the polished point as point JSON here. Default: none.")
    var polishedOutput: String?
    @Option(name: .customLong("certify"), help: "auto | on | off: prove the label (an exact critical point within a stated radius, and the inertia of its quotient Hessian, with every rounding error bounded; escalates to double-double where double cannot decide). auto: on for cross-entropy, CosFace and focal (losses with derivative bounds) up to m = 2000, or at collapsed points up to 2K(d−1) = 2000, when the spectrum is dense or reduced. Default: auto.")
    var certify: CertifyChoice = .auto
    @OptionGroup var memory: MemoryOptions
    @OptionGroup var spectrumMethod: SpectrumMethodOptions
    @Option(name: .customLong("probes"), help: "--method density: random probe vectors (Rademacher, projected on the tangent space). Default: 10.")
    var probes: Int = 10
    @Option(name: .customLong("steps"), help: "--method density: Lanczos steps per probe (quadrature nodes). Default: 80.")
    var steps: Int = 80
    @Option(name: .customLong("kernel-width"), help: "--method density: Gaussian smoothing width of the density curve. Default: 1/200 of the spread of the Ritz values.")
    var kernelWidth: Double?

    func run() throws {
        try memory.apply()
        try Validate.atLeast(eigenvectors, 0, "--eigenvectors")
        try Validate.atLeast(top, 0, "--top")
        if spectrumMethod.choice == .density { return try runDensity() }
        let (loaded, source) = try input.loadProblem()
        switch loaded {
        case let .normalized(m, x): try analyze(m, at: x, source: source)
        case let .regularized(p, x): try analyze(p, at: x, source: source)
        }
    }

    /// Polish, analyse, certify where the model allows it, and print or write the summary.
    func analyze<P: FeatureObjective>(_ model: P, at x0: Matrix, source: String) throws {
        var x = x0
        var polished: PolishResult? = nil
        var options = try spectrumMethod.analysisOptions(eigenvectors: eigenvectors)
        options.memoryBudgetBytes = MemoryBudget.current
        if polish {
            let show = terminalProgress
            let r = try NewtonPolisher.polish(model, from: x) { it, g in show?(String(format: "Newton polishing: iteration %d, ‖grad‖ = %.2e", it, g)) }
            if show != nil { StandardError.write("\n") }
            x = r.point
            polished = r
            if !r.converged && !json {
                note(String(format: "note: Newton polishing stopped at ‖grad‖ = %.3e after %d iterations", r.gradientNorm, r.iterations))
            }
        }
        if let polishedOutput { try AnyPointFile.write(model, x, to: polishedOutput) }
        let analysis = try LandscapeAnalyzer.analyze(model, at: x, options: options)
        spectrumMethod.finishProgress(method: analysis.method)
        let topPairs: [TopEigenpair]
        if let normalized = model.structured {
            topPairs = try LandscapeAnalyzer.topEigenpairs(normalized, at: x, count: top, analysis: analysis, seed: spectrumMethod.seed)
        } else if top > 0 {
            throw InputError("--top is implemented for the normalized model only (use --method dense: its summary lists every eigenvalue)")
        } else {
            topPairs = []
        }
        // Angles per column are distances on the spheres; the Euclidean model has no such reading.
        let displacement = model.structured == nil ? nil : polished.map { _ in PolishDisplacement(from: x0, to: x) }
        var summary = SpectrumSummary(model: model, analysis: analysis, source: source, polish: polished,
                                      polishDisplacement: displacement, top: topPairs)
        if let p = summary.polishDisplacement, p.isFar, json {
            note(String(format: "warning: polishing moved the point far from the input (mean %.3g rad, max %.3g rad per column): the spectrum describes a different critical point", p.meanAngle, p.maxAngle))
        }
        if let normalized = model.structured {
            if certify.wanted(model: normalized, method: analysis.method), analysis.classification != .notCritical {
                summary.certification = try CertifiedDecision.decide(normalized, at: x, reference: normalized.optimalLoss)
            }
        } else if certify == .on {
            throw InputError("--certify on: certificates are derived for the normalized model only")
        }
        if let out { try SpectrumReport.write(summary, to: out) }
        if json {
            print(try JSONOutput.string(summary, pretty: false), terminator: "")
        } else {
            print(TextTable.spectrum(summary))
        }
    }
}

extension SpectrumCommand {
    /// `--method density`: stochastic Lanczos quadrature; a report folder with density.csv/.svg.
    func runDensity() throws {
        guard !polish, eigenvectors == 0, polishedOutput == nil, top == 0 else {
            throw InputError("--method density takes no --polish, --eigenvectors, --top or --polished-output")
        }
        let (loaded, source) = try input.loadProblem()
        var o = SpectralDensity.Options()
        o.probes = probes; o.steps = steps; o.seed = spectrumMethod.seed; o.kernelWidth = kernelWidth
        let show = terminalProgress
        let report: (Int, Int) -> Void = { done, total in show?("stochastic Lanczos quadrature: probe \(done)/\(total)") }
        let d: SpectralDensity
        switch loaded {
        case let .normalized(model, x): d = try SpectralDensity.estimate(model: model, point: x, options: o, progress: report)
        case let .regularized(p, x): d = try SpectralDensity.estimate(model: p, point: x, options: o, progress: report)
        }
        if show != nil { StandardError.write("\n") }
        // A report folder only where --out names one: nothing is written into the caller's folder.
        if let out { try DensityReport.write(d, source: source, to: out) }
        if json { print(try JSONOutput.string(DensityReport.Summary(d), pretty: false), terminator: ""); return }
        print(DensityReport.text(d) + (out.map { "\nreport: \($0)/report.md" } ?? "\n(no report folder written; give --out DIR for density.csv, density.svg and report.md)"))
    }
}

enum TextTable {
    static func spectrum(_ s: SpectrumSummary) -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.12g", $0) } ?? "—" }
        var problem: [(String, String)] = [("K, d, N", "\(s.K), \(s.d), \(s.N)  (counts \(s.counts.map(String.init).joined(separator: ",")))")]
        if let m = s.model {
            problem += [("tau, label smoothing", "\(m.tau), \(m.labelSmoothing)"), ("loss function", m.loss.name)]
        } else if let r = s.regularizedModel {
            problem += [("model", "regularized (Euclidean)" + (r.lambdaB.map { ", bias, λ_b = \($0)" } ?? "")), ("λ_W, λ_H", "\(r.lambdaW), \(r.lambdaH)"),
                        ("loss function", r.loss.rawValue)]
        }
        let rows: [(String, String)] = problem + [
            ("loss", f(s.loss)),
            ("optimum f*", s.optimalLoss.map { f($0) } ?? "none proven (a search compares minimizers with the best loss found)"),
            ("lower bound", s.lossBound.map { f($0.value) + "   (" + $0.argument + ")" } ?? "none"),
            ("‖grad f‖", String(format: "%.3e   (gradient terms γ = %.3e, ‖M‖₂ = %.3e)", s.riemannianGradientNorm, s.gradientScale,
                                 max(abs(s.lambdaMin), abs(s.lambdaMax)))),
            ("λ_min", f(s.lambdaMin) + (s.lambdaMinCertified == false ? "   (NOT the smallest: an exact count found eigenvalues below it)"
                                        : s.lambdaMinCertified == nil ? "   (smallest Ritz value; not proven smallest)" : "")),
            ("multiplicity of λ_min", s.lambdaMinMultiplicity.map(String.init) ?? "not counted (Lanczos)"),
            ("λ_max", f(s.lambdaMax)),
            ("top eigenvalues", s.topEigenpairs.isEmpty ? "— (--top k)" : s.topEigenpairs.map { e in String(format: "%.6g", e.eigenvalue) + (e.residual.map { String(format: " (res %.1e)", $0) } ?? "") }.joined(separator: ", ")),
            ("lowest distinct λ", s.eigenvalueClusters.prefix(4).map { String(format: "%.6g (×%d)", $0.value, $0.multiplicity) }.joined(separator: ", ")),
            ("inertia (−/0/+)", s.inertiaExact ? "\(s.inertia.negative) / \(s.inertia.zero ?? 0) / \(s.inertia.positive ?? 0)   (δ = \(String(format: "%.1e", s.zeroThreshold)))"
                : "≥ \(s.inertia.negative) negative (not certified; δ = \(String(format: "%.1e", s.zeroThreshold)))"),
            ("symmetry nullity ν", "\(s.symmetryNullity)   (rank [W H] = \(s.rank))"),
            ("λ_min of M_⊥", s.quotientLambdaMin.map { f($0) } ?? "—"),
            ("class", s.classification.rawValue + "   (" + SpectrumSummary.marginText(s) + ")"),
            ("Hessian", "m = \(s.hessianSize), method \(s.method.rawValue)\(s.hessianVectorProducts.map { ", \($0) HVPs" } ?? ""); \(s.blas)"),
        ]
        var extra: [(String, String)] = []
        if let why = s.methodReason { extra.append(("method choice", why)) }
        if let it = s.polishIterations {
            var text = "\(it) iterations, \(s.polishMethod ?? "")"
            if let p = s.polishDisplacement {
                text += String(format: "; moved mean %.3g rad, max %.3g rad per column", p.meanAngle, p.maxAngle)
                if p.isFar { text += " (FAR from the input)" }
            }
            extra.append(("Newton polishing", text))
        }
        var all = rows + extra
        if let c = s.certification {
            all.append(("certificate", c.certificate.summary + (c.escalated ? String(format: "   (escalated: polished in %@, moved %.2g, ‖grad‖ %.2g)", c.certificate.precision, c.distanceMoved ?? .nan, c.extendedGradientNorm ?? .nan) : "")))
            if let p = c.provenClass, p != s.classification { all.append(("proven class", p.rawValue + "   (the certificate decides where the δ threshold said \(s.classification.rawValue))")) }
        }
        var out = all.map { "\($0.0.padding(toLength: 22, withPad: " ", startingAt: 0)) \($0.1)" }.joined(separator: "\n")
        for n in s.notes { out += "\nnote: " + n }
        for (i, e) in s.eigenvectors.enumerated() {
            out += String(format: "\neigenpair %d: λ = %.12g, residual %.1e", i, e.eigenvalue, e.residual)
        }
        return out
    }
}


/// Whether to certify a label.
enum CertifyChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, on, off
    func wanted(model: NormalizedFeatureModel, method: HessianMethod) -> Bool {
        switch self {
        case .off: return false
        case .on: return true
        case .auto: return method != .lanczos && Certifier.applies(to: model)
        }
    }
}
