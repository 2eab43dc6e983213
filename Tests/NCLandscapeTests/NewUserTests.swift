import XCTest
@testable import NCLandscape

/// Defaults that cannot mislead and reports without defects: each test pins one behaviour a
/// new user ran into (a silent τ, a slow automatic method, a far polish, cut or contradictory
/// charts).
final class NewUserTests: XCTestCase {
    /// At m = 5440 (K = 10, d = 5, N = 1350, the size of a digits network where dense took
    /// 19.5 s and Lanczos 0.16 s) `auto` picks Lanczos and says why; at m = 64 it keeps dense.
    func testAutoChoosesByEstimatedCost() throws {
        let big = try NormalizedFeatureModel(K: 10, d: 5, n: 135, tau: 16)
        var rng = SeededGenerator(seed: 2)
        let x = big.manifold.randomPoint(using: &rng)
        let choice = LandscapeAnalyzer.choose(.auto, model: big, point: x, options: AnalysisOptions())
        XCTAssertEqual(choice.method, .lanczos)
        XCTAssertTrue(choice.reason?.contains("auto chose lanczos at m = 5440") ?? false, choice.reason ?? "no reason")
        XCTAssertTrue(choice.reason?.contains("with exact structured inertia") ?? false, choice.reason ?? "")
        let small = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2)
        let xs = small.manifold.randomPoint(using: &rng)
        let c2 = LandscapeAnalyzer.choose(.auto, model: small, point: xs, options: AnalysisOptions())
        XCTAssertEqual(c2.method, .dense)
        XCTAssertTrue(c2.reason?.contains("dense") ?? false)
        // A method named by the user is taken as is, with no reason attached.
        XCTAssertNil(LandscapeAnalyzer.choose(.dense, model: big, point: x, options: AnalysisOptions()).reason)
        let a = try LandscapeAnalyzer.analyze(small, at: xs)
        XCTAssertNotNil(a.methodReason)
    }

    /// `--top k`: the largest eigenvalues by Lanczos agree with the dense ones. Tolerance
    /// 1e-8 ‖M‖: Lanczos stops at residual 1e-9 ‖M‖, which bounds the eigenvalue error.
    func testTopEigenpairsAgreeBetweenDenseAndLanczos() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 10, tau: 2)
        var rng = SeededGenerator(seed: 5)
        let x = model.manifold.randomPoint(using: &rng)
        let dense = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
        let lanczos = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .lanczos))
        let td = try LandscapeAnalyzer.topEigenpairs(model, at: x, count: 3, analysis: dense)
        let tl = try LandscapeAnalyzer.topEigenpairs(model, at: x, count: 3, analysis: lanczos)
        XCTAssertEqual(td.count, 3); XCTAssertEqual(tl.count, 3)
        let norm = dense.spectralNorm
        for (i, e) in td.enumerated() {
            XCTAssertEqual(e.eigenvalue, dense.eigenvalues[dense.eigenvalues.count - 1 - i], accuracy: 1e-12 * norm)
            XCTAssertEqual(tl[i].eigenvalue, e.eigenvalue, accuracy: 1e-8 * norm)
            XCTAssertLessThan(tl[i].residual!, 1e-8 * norm)
        }
        XCTAssertGreaterThanOrEqual(td[0].eigenvalue, td[1].eigenvalue)
    }

    /// Geodesic angles: one column turned by 0.3 rad, the others fixed, gives max 0.3 and mean 0.3/3.
    func testPolishDisplacementMeasuresGeodesicAngles() {
        let x0 = Matrix(columns: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], rows: 3)
        let x1 = Matrix(columns: [[1, 0, 0], [0, cos(0.3), sin(0.3)], [0, 0, 1]], rows: 3)
        let p = PolishDisplacement(from: x0, to: x1)
        XCTAssertEqual(p.maxAngle, 0.3, accuracy: 1e-14)
        XCTAssertEqual(p.meanAngle, 0.1, accuracy: 1e-14)
        XCTAssertEqual(p.maxColumn, 1)
        XCTAssertTrue(p.isFar)
        // A tiny move is measured to full relative precision (acos of a dot product would give 0 or 1e-8).
        let x2 = Matrix(columns: [[1, 0, 0], [0, cos(1e-12), sin(1e-12)], [0, 0, 1]], rows: 3)
        XCTAssertEqual(PolishDisplacement(from: x0, to: x2).maxAngle, 1e-12, accuracy: 1e-24)
        XCTAssertFalse(PolishDisplacement(from: x0, to: x2).isFar)
    }

    /// The multiplicity printed for λ_min is the "(×n)" of the first printed cluster.
    func testLambdaMinMultiplicityMatchesTheFirstCluster() throws {
        for kind in [SpecialPoint.total, .etf, .anti] {
            let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2)
            var rng = SeededGenerator(seed: 1)
            let x = try SpecialPoints.make(kind, model: model, rng: &rng)
            let a = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
            XCTAssertEqual(a.lambdaMinMultiplicity, a.eigenvalueClusters.first?.multiplicity, "\(kind)")
        }
    }

    /// Long titles and notes wrap inside the chart instead of running past its edges.
    func testLongTitlesAndNotesWrapInsideTheChart() {
        var c = SVGChart(title: String(repeating: "The theorem's regime: cross-entropy, balanced ", count: 3), xLabel: "x", yLabel: "y")
        c.notes = [String(repeating: "a long footer that used to be cut on the right ", count: 4)]
        c.series = [.init(name: "s", color: "#000", style: .line(dashed: false), xs: [0, 1], ys: [0, 1])]
        let svg = c.render()
        for line in svg.split(separator: "\n") where line.contains("font-size=\"15\"") || line.contains("font-size=\"11\" fill=\"#333\"") {
            let text = line.replacingOccurrences(of: #"<[^>]+>"#, with: "", options: .regularExpression)
            XCTAssertLessThanOrEqual(SVGChart.textWidth(text, fontSize: line.contains("\"15\"") ? 15 : 11), c.width - 20, text)
        }
        XCTAssertGreaterThan(svg.components(separatedBy: "font-size=\"15\"").count - 1, 1, "the title was not wrapped")
    }

    /// Tick labels keep the digits that make them distinct ("2e+04" twice before).
    func testTickLabelsAreDistinct() {
        let ticks = [0.0, 5000, 10000, 15000, 20000, 25000]
        XCTAssertGreaterThanOrEqual(ticks.map { SVGChart.fmt($0) }.filter { $0 == "2e+04" }.count, 2, "the old single-digit form collides")
        let labels = SVGChart.tickLabels(ticks)
        XCTAssertEqual(Set(labels).count, ticks.count, "\(labels)")
        XCTAssertEqual(SVGChart.tickLabels([0.5, 1, 1.5]), ["0.5", "1", "1.5"])
    }

    /// The phase legend explains the lighter, mixed cells, and its title is not cut.
    func testPhaseLegendShowsMixedCells() {
        let svg = PhaseDiagram.figure(title: String(repeating: "Label smoothing against τ ", count: 4),
                                      panels: [(svg: "", width: 200, height: 200)], boundaries: [], note: "note")
        XCTAssertTrue(svg.contains("mixed cell"), svg)
        XCTAssertTrue(svg.contains("fill-opacity=\"\(PhaseDiagram.mixedOpacity(share: 0.25))\""))
        // Titles are centred on the whole figure and wrapped, so no line starts left of x = 0.
        for line in svg.split(separator: "\n") where line.contains("font-size=\"15\"") {
            let text = line.replacingOccurrences(of: #"<[^>]+>"#, with: "", options: .regularExpression)
            XCTAssertLessThanOrEqual(SVGChart.textWidth(text, fontSize: 15), 470 - 20, text)
        }
        // Every legend line fits the legend column (≈ 6 px per character at 11 px, from x = w − 270 + 26).
        for line in svg.split(separator: "\n") where line.contains("<rect x=\"\(200 + 10.0)\"") {
            let text = line.replacingOccurrences(of: #"<[^>]+>"#, with: "", options: .regularExpression)
            XCTAssertLessThanOrEqual(SVGChart.textWidth(text, fontSize: 11), 270 - 30, text)
        }
    }

    /// A one-row panel's rotated axis title fits its height (it overlapped the panels above and below).
    func testOneRowPanelAxisTitleFits() {
        let p = PhaseDiagram.panel([SweepResult](), title: "τ = 2", xLabel: "K (classes)", yLabel: "d (feature dimension)", xs: [3], ys: [2],
                                   x: { Double($0.config.K) }, y: { Double($0.config.d) })
        XCTAssertFalse(p.svg.contains("d (feature dimension)"), p.svg)
        XCTAssertTrue(p.svg.contains("rotate(-90)\" text-anchor=\"middle\">d</text>"), p.svg)
        let tall = PhaseDiagram.panel([SweepResult](), title: "τ = 2", xLabel: "K", yLabel: "d (feature dimension)", xs: [3], ys: Array(2 ... 8).map(Double.init),
                                      x: { Double($0.config.K) }, y: { Double($0.config.d) })
        XCTAssertTrue(tall.svg.contains("d (feature dimension)"))
    }

    /// In Lanczos mode the report states computed against exact counts, and does not call the
    /// two-row spectrum.csv "all eigenvalues"; at a non-critical point ν is not called forced.
    func testLanczosSpectrumReportStatesExactCounts() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 10, tau: 2)
        var rng = SeededGenerator(seed: 7)
        let x = model.manifold.randomPoint(using: &rng)
        let a = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .lanczos))
        XCTAssertTrue(a.inertiaExact)
        let s = SpectrumSummary(model: model, analysis: a, source: "t", polish: nil)
        let svg = SpectrumReport.svg(s)
        XCTAssertTrue(svg.contains("\(a.inertia.negative) in all"), svg)
        XCTAssertTrue(svg.contains("\(a.inertia.positive) in all"), svg)
        XCTAssertFalse(svg.contains("negative (1)"))
        XCTAssertEqual(a.classification, .notCritical)
        XCTAssertFalse(svg.contains("are forced"), svg)
        let md = SpectrumReport.markdown(s)
        XCTAssertFalse(md.contains("(all eigenvalues)"), md)
        XCTAssertTrue(md.contains("only the \(a.eigenvalues.count) extreme eigenvalues"), md)
        // Without structured inertia the negative count is a lower bound and the others unknown.
        var o = AnalysisOptions(method: .lanczos); o.structuredInertiaMaxFlops = 0
        let b = try LandscapeAnalyzer.analyze(model, at: x, options: o)
        XCTAssertFalse(b.inertiaExact)
        let svg2 = SpectrumReport.svg(SpectrumSummary(model: model, analysis: b, source: "t", polish: nil))
        XCTAssertTrue(svg2.contains("≥ \(b.inertia.negative) in all"), svg2)
        XCTAssertTrue(svg2.contains("positive: 1 shown, total not counted"), svg2)
    }

    /// The plotted density never reaches below the lowest Ritz value, hence never below λ_min.
    func testDensityCurveStaysInsideTheSpectrum() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 4, n: 4, tau: 2)
        var rng = SeededGenerator(seed: 3)
        let x = model.manifold.randomPoint(using: &rng)
        var o = SpectralDensity.Options(); o.probes = 3; o.steps = 20
        let d = try SpectralDensity.estimate(model: model, point: x, options: o)
        let exact = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
        let curve = DensityReport.plottedCurve(d)
        XCTAssertFalse(curve.xs.isEmpty)
        XCTAssertGreaterThanOrEqual(curve.xs.min()!, exact.lambdaMin)
        XCTAssertLessThanOrEqual(curve.xs.max()!, exact.lambdaMax)
        // The unclipped smoothed density does extend below λ_min: the clipping is doing the work.
        let floor = (d.density.max() ?? 1) * 1e-8
        XCTAssertLessThan(zip(d.grid, d.density).filter { $0.1 > floor }.map(\.0).min()!, exact.lambdaMin)
    }

    /// Tiny losses print with their digits (2.6e-37 and 3.2e-28 both printed as 0.0000000000).
    func testVerifyTableKeepsTinyLosses() {
        XCTAssertEqual(VerifyReport.lossCell(2.6e-37), "2.600000e-37")
        XCTAssertEqual(VerifyReport.lossCell(3.2e-28), "3.200000e-28")
        XCTAssertEqual(VerifyReport.lossCell(0.5), "0.5000000000")
        XCTAssertEqual(VerifyReport.lossCell(0), "0")
    }

    /// "fitted on r = )" becomes a reason.
    func testEscapeFitTextGivesAReason() {
        XCTAssertTrue(EscapeReport.fittedOn([]).hasPrefix("not fitted"))
        XCTAssertTrue(EscapeReport.fittedOn([1e-3]).contains("only r = 0.001"))
        XCTAssertEqual(EscapeReport.fittedOn([1e-4, 1e-3]), "fitted on r = 0.0001, 0.001")
    }

    /// `d < K − 1`: the distance to collapse is absent with its reason.
    func testDistanceToCollapseStatesWhyItIsUndefined() throws {
        var rng = SeededGenerator(seed: 4)
        let h = ProductOfSpheres.normalizeColumns(Matrix(rows: 2, cols: 8, columnMajor: rng.normals(16)))
        let w = ProductOfSpheres.normalizeColumns(Matrix(rows: 2, cols: 4, columnMajor: rng.normals(8)))
        let a = try CollapseAnalysis.analyze(features: h, labels: [0, 0, 1, 1, 2, 2, 3, 3], K: 4, classifiers: w, tau: 2, options: AnalysisOptions())
        XCTAssertNil(a.distanceToCollapse)
        XCTAssertTrue(a.distanceToCollapseUnavailable?.contains("d = 2 < K − 1 = 3") ?? false, a.distanceToCollapseUnavailable ?? "nil")
    }
}

/// The command line: no silent τ for a trained network, nothing written without --out, the
/// escape report's headings.
final class NewUserCommandLineTests: CommandLineTestCase {
    override var folderPrefix: String { "nclandscape-newuser" }

    func testTauIsRequiredForNPYInput() throws {
        XCTAssertEqual(try run(["point", "random", "--K", "3", "--d", "4", "--n", "2", "--npy-dir", dir + "/npy", "-o", dir + "/p.json"]).status, 0)
        let npy = ["--classifiers", dir + "/npy/W.npy", "--features", dir + "/npy/H.npy", "--labels", dir + "/npy/y.npy"]
        try assertRefused(["spectrum"] + npy, contains: "--tau is required")
        try assertRefused(["analyze"] + npy, contains: "--tau is required")
        try assertRefused(["slice"] + npy + ["--out", dir + "/s"], contains: "--tau is required")
        // metrics needs no τ, and the point JSON carries its own.
        XCTAssertEqual(try run(["metrics", "--features", dir + "/npy/H.npy", "--labels", dir + "/npy/y.npy"]).status, 0)
        XCTAssertEqual(try run(["spectrum", dir + "/p.json"]).status, 0)
    }

    func testNothingIsWrittenWithoutOut() throws {
        XCTAssertEqual(try run(["point", "random", "--K", "3", "--d", "4", "--n", "2", "-o", dir + "/p.json"]).status, 0)
        for args in [["slice", dir + "/p.json"], ["escape", "--from", "total", "--K", "3", "--d", "3"], ["optimize", "--K", "3", "--d", "3"],
                     ["train", "--K", "3", "--d", "3"], ["verify", "--K", "3", "--d", "3", "--starts", "1"],
                     ["enumerate", "--K", "3", "--d", "3", "--starts", "1"], ["sweep", "--K", "3", "--d", "3", "--starts", "1"],
                     ["phase", dir + "/p.json"]] {
            try assertRefused(args, contains: "--out")
        }
        // The density estimate prints its numbers and writes nothing into the current folder.
        let before = Set(FileManager.default.subpaths(atPath: dir) ?? [])
        let o = try run(["spectrum", dir + "/p.json", "--method", "density", "--probes", "2", "--steps", "10"])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertTrue(o.stdout.contains("no report folder written"), o.stdout)
        XCTAssertEqual(Set(FileManager.default.subpaths(atPath: dir) ?? []), before)
    }

    /// `--top` and `--polish` in the table: the top eigenvalues, the distance moved.
    func testTopAndPolishDisplacementInTheTable() throws {
        XCTAssertEqual(try run(["point", "random", "--K", "3", "--d", "4", "--n", "2", "--seed", "3", "-o", dir + "/p.json"]).status, 0)
        let o = try run(["spectrum", dir + "/p.json", "--top", "2", "--polish", "--out", dir + "/r"])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertTrue(o.stdout.contains("top eigenvalues"), o.stdout)
        XCTAssertTrue(o.stdout.contains("moved mean"), o.stdout)
        XCTAssertTrue(o.stdout.contains("method choice"), o.stdout)
        let csv = try String(contentsOfFile: dir + "/r/top_eigenvalues.csv", encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 3, csv)
    }

    func testEscapeReportHasEachHeadingOnce() throws {
        let o = try run(["escape", "--from", "total", "--K", "3", "--d", "3", "--n", "1", "--seeds", "1", "--radii", "1e-3", "--out", dir + "/e"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let md = try String(contentsOfFile: dir + "/e/report.md", encoding: .utf8)
        XCTAssertEqual(md.components(separatedBy: "## Per direction").count - 1, 1, md)
        XCTAssertFalse(md.contains("r = )"), md)
        XCTAssertFalse(o.stdout.contains("r = )"), o.stdout)
    }
}
