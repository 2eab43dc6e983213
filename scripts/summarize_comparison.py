#!/usr/bin/env python3
"""Summarizes results/comparison/runs/* (written by scripts/reproduce-comparison.sh) into
comparison.json, comparison.csv, table.md and two SVG figures. Only reads what the toolkit wrote;
the one computation here is the checks and the medians."""
import csv, json, math, os, statistics, sys

root = sys.argv[1]
runs = os.path.join(root, "runs")
MODELS = ["normalized", "regularized"]
STEPS = ["0.25", "0.5", "1", "1.5", "1.9"]


def load(p):
    with open(p) as f:
        return json.load(f)


def points(c, m):
    """Distinct critical points of a verify run as (classification, origins, loss, λ_min, λ_max)."""
    if m == "normalized":
        pts = load(os.path.join(c, "normalized-verify", "critical_points.json"))
        return [dict(cls=p["classification"], origins=p["origins"], loss=p["lossValue"], lmin=p["lambdaMin"], lmax=p["lambdaMax"], index=p["index"]) for p in pts]
    s = load(os.path.join(c, "regularized-verify.json"))
    return [dict(cls=p["classification"], origins=p["origins"], loss=p.get("lossValue", p.get("loss")), lmin=p["lambdaMin"], lmax=p["lambdaMax"], index=p["index"]) for p in s["points"]]


def group_saddle(pts, K):
    """The two-group saddle reached from the ansatz `groups:(K−1)+1` (aligned features)."""
    key = f"groups:{K - 1}+1"
    for p in pts:
        if key in p["origins"] and p["cls"] == "strict_saddle":
            return p
    return None


def escape_rows(c, m):
    rows = []
    for s in STEPS:
        f = os.path.join(c, f"{m}-escape-c{s}", "runs.csv")
        if not os.path.isfile(f):
            rows.append(dict(c=float(s), step=None, escape=None, total=None, allGlobal=False, runs=0))
            continue
        summ = load(os.path.join(c, f"{m}-escape-c{s}.json"))
        with open(f) as fh:
            rr = list(csv.DictReader(fh))
        esc = [int(r["escape_iteration"]) for r in rr if r["outcome"] == "escaped"]
        tot = [int(r["escape_iteration"]) + int(r["iterations_after_escape"]) for r in rr if r["outcome"] == "escaped"]
        rows.append(dict(c=float(s), step=summ["step"], escape=statistics.median(esc) if esc else None,
                         total=statistics.median(tot) if tot else None,
                         allGlobal=len(rr) > 0 and all(r["ends_at_global_minimizer"] == "true" for r in rr), runs=len(rr),
                         predictedSlope=summ["directions"]["random"]["slopePredicted"]))
    return rows


out = []
for name in sorted(os.listdir(runs)):
    c = os.path.join(runs, name)
    cfg = load(os.path.join(c, "config.json"))
    K, n, tau = cfg["K"], cfg["n"], cfg["tau"]
    row = dict(config=name, K=K, d=cfg["d"], n=n, tau=tau, lam=cfg["lambda"])
    # The matching: the regularized optimum's logit margin equals τK/(K−1).
    p = load(os.path.join(c, "regularized-optimum.json"))
    w, h = p["classifiers"], p["features"]
    z = [sum(w[k][i] * h[0][i] for i in range(cfg["d"])) for k in range(K)]
    margin = z[0] - max(z[1:])
    row["marginRegularized"] = margin
    row["marginNormalized"] = tau * K / (K - 1)
    assert abs(margin - tau * K / (K - 1)) <= 1e-9 * tau, (name, margin)
    for m in MODELS:
        v = load(os.path.join(c, f"{m}-verify.json"))
        opt = load(os.path.join(c, f"{m}-optimum-spectrum.json"))
        tot = load(os.path.join(c, f"{m}-total-spectrum.json"))
        anti = load(os.path.join(c, f"{m}-anti-spectrum.json"))
        pts = points(c, m)
        grp = group_saddle(pts, K)
        L = opt["lambdaMax"]
        esc = escape_rows(c, m)
        ok = [e for e in esc if e["allGlobal"] and e["total"] is not None]
        best = min(ok, key=lambda e: e["total"]) if ok else None
        row[m] = dict(
            verdict=v["verdict"], distinct=v["distinctCriticalPoints"], saddles=v["counts"]["strict_saddle"],
            minimizers=v["counts"]["global_minimizer"], fStar=opt["lossValue"],
            lambdaMaxOptimum=L, quotientLambdaMinOptimum=opt["quotientLambdaMin"],
            conditionNumber=L / opt["quotientLambdaMin"],
            total=dict(loss=tot["lossValue"], cls=tot["classification"], lambdaMin=tot["lambdaMin"], lambdaMax=tot["lambdaMax"], index=tot["index"],
                       ratioOwn=abs(tot["lambdaMin"]) / tot["lambdaMax"], ratioOptimum=abs(tot["lambdaMin"]) / L),
            anti=dict(loss=anti["lossValue"], cls=anti["classification"], lambdaMin=anti["lambdaMin"], lambdaMax=anti["lambdaMax"], index=anti["index"],
                      ratioOwn=abs(anti["lambdaMin"]) / max(anti["lambdaMax"], 1e-300), ratioOptimum=abs(anti["lambdaMin"]) / L),
            group=None if grp is None else dict(loss=grp["loss"], lambdaMin=grp["lmin"], lambdaMax=grp["lmax"], index=grp["index"],
                                                ratioOwn=abs(grp["lmin"]) / grp["lmax"], ratioOptimum=abs(grp["lmin"]) / L),
            escape=esc, best=best)
    out.append(row)

with open(os.path.join(root, "comparison.json"), "w") as f:
    json.dump(out, f, indent=1)

fields = ["config", "model", "verdict", "distinct", "saddles", "fStar", "conditionNumber", "totalLoss", "totalLambdaMin", "totalRatioToLmaxOptimum",
          "groupLambdaMin", "groupRatioToLmaxOptimum", "antiLambdaMin", "antiRatioToLmaxOptimum", "bestC", "bestStep", "bestEscape", "bestTotal"]
with open(os.path.join(root, "comparison.csv"), "w", newline="") as f:
    wr = csv.writer(f)
    wr.writerow(fields)
    for r in out:
        for m in MODELS:
            x = r[m]
            g = x["group"] or {}
            b = x["best"] or {}
            wr.writerow([r["config"], m, x["verdict"], x["distinct"], x["saddles"], x["fStar"], x["conditionNumber"], x["total"]["loss"],
                         x["total"]["lambdaMin"], x["total"]["ratioOptimum"], g.get("lambdaMin", ""), g.get("ratioOptimum", ""),
                         x["anti"]["lambdaMin"], x["anti"]["ratioOptimum"], b.get("c", ""), b.get("step", ""), b.get("escape", ""), b.get("total", "")])


def fmt(v, f="%.3g"):
    return "—" if v is None else f % v


lines = ["| config (K, d, n, τ; λ) | model | verdict (distinct; saddles) | f* | κ at x* mod O(d) | total collapse: f, λ_min, \\|λ_min\\|/λ_max(x*) | two groups: λ_min, ratio | anti-aligned: f, λ_min, ratio | best c (η = c/L) | median iterations: escape / to converge |",
         "|---|---|---|---|---|---|---|---|---|---|"]
for r in out:
    for m in MODELS:
        x = r[m]
        g = x["group"]
        b = x["best"]
        lines.append(f"| {r['K']}, {r['d']}, {r['n']}, {r['tau']}; {r['lam']:.3g} | {m} | {x['verdict']} ({x['distinct']}; {x['saddles']}) | {x['fStar']:.4g} | {x['conditionNumber']:.3g} | "
                     f"{x['total']['loss']:.4g}, {x['total']['lambdaMin']:.3g}, {x['total']['ratioOptimum']:.3g} | "
                     + (f"{g['lambdaMin']:.3g}, {g['ratioOptimum']:.3g}" if g else "not found") + " | "
                     f"{x['anti']['loss']:.4g}, {x['anti']['lambdaMin']:.3g}, {x['anti']['ratioOptimum']:.3g} | "
                     + (f"{b['c']:g} | {fmt(b['escape'], '%g')} / {fmt(b['total'], '%g')}" if b else "— | —") + " |")
with open(os.path.join(root, "table.md"), "w") as f:
    f.write("\n".join(lines) + "\n")


def svg_bars(path, title, series, ylabel):
    """Grouped bars: series = [(config label, normalized value, regularized value)]."""
    W, H, left, bottom, top = 740, 380, 90, 60, 70
    vmax = max(max(a or 0, b or 0) for _, a, b in series) * 1.15 or 1
    bw = (W - left - 20) / (len(series) * 3)
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>', f'<text x="{W/2}" y="20" text-anchor="middle" font-size="14">{title}</text>']
    y0 = H - bottom
    for t in range(6):
        v = vmax * t / 5
        y = y0 - (H - bottom - top) * t / 5
        s.append(f'<line x1="{left}" y1="{y:.1f}" x2="{W-20}" y2="{y:.1f}" stroke="#ddd"/><text x="{left-6}" y="{y+4:.1f}" text-anchor="end">{(f"{v:.0f}" if vmax >= 100 else f"{v:.2g}")}</text>')
    s.append(f'<text x="16" y="{(top+y0)/2}" transform="rotate(-90 16 {(top+y0)/2})" text-anchor="middle">{ylabel}</text>')
    for i, (label, a, b) in enumerate(series):
        x = left + bw * (3 * i + 0.5)
        for j, (v, col) in enumerate([(a, "#1f77b4"), (b, "#d62728")]):
            if v is None:
                continue
            hgt = (H - bottom - top) * v / vmax
            s.append(f'<rect x="{x + j*bw:.1f}" y="{y0-hgt:.1f}" width="{bw*0.95:.1f}" height="{hgt:.1f}" fill="{col}"/>')
            s.append(f'<text x="{x + j*bw + bw/2:.1f}" y="{y0-hgt-4:.1f}" text-anchor="middle" font-size="10">{v:.3g}</text>')
        s.append(f'<text x="{x + bw:.1f}" y="{y0+16}" text-anchor="middle" font-size="11">{label}</text>')
    s.append(f'<rect x="{left}" y="34" width="12" height="12" fill="#1f77b4"/><text x="{left+18}" y="45">normalized (spheres, τ)</text>')
    s.append(f'<rect x="{left+220}" y="34" width="12" height="12" fill="#d62728"/><text x="{left+238}" y="45">regularized (Euclidean, λ_W = λ_H = λ matched to τ)</text>')
    s.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(s))


labels = [f"K{r['K']} d{r['d']} n{r['n']} τ{r['tau']}" for r in out]
svg_bars(os.path.join(root, "saddle_curvature.svg"), "|λ_min| at total collapse (origin for regularized) / λ_max at the optimum",
         [(l, r["normalized"]["total"]["ratioOptimum"], r["regularized"]["total"]["ratioOptimum"]) for l, r in zip(labels, out)], "|λ_min(saddle)| / λ_max(x*)")
svg_bars(os.path.join(root, "condition_number.svg"), "Condition number at the global minimizer modulo O(d): λ_max / λ_min(M_⊥)",
         [(l, r["normalized"]["conditionNumber"], r["regularized"]["conditionNumber"]) for l, r in zip(labels, out)], "κ")
svg_bars(os.path.join(root, "iterations_to_converge.svg"), "Median GD iterations from total collapse (r = 1e-4) to ‖grad‖ ≤ 1e-8γ, best constant step",
         [(l, (r["normalized"]["best"] or {}).get("total"), (r["regularized"]["best"] or {}).get("total")) for l, r in zip(labels, out)], "iterations")
print(open(os.path.join(root, "table.md")).read())
