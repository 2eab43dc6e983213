#!/usr/bin/env python3
"""Bar chart of the CIFAR-100-size λ_min runs: seconds per point with double-precision products
(the earlier run, cifar-double.jsonl, and the same-run baseline at the 1e-2 point) against
single-precision products (cifar.jsonl), with the 300 s target. Writes results/scale/cifar.svg.
    python3 scripts/plot_cifar.py [results/scale]
"""
import json, os, sys

root = sys.argv[1] if len(sys.argv) > 1 else "results/scale"

def rows(name):
    path = os.path.join(root, name)
    return {r["name"]: r for r in map(json.loads, open(path))} if os.path.exists(path) else {}

single, earlier = rows("cifar.jsonl"), rows("cifar-double.jsonl")
points = [("lanczos-random", "random point"), ("lanczos-near-1e-3", "ETF + 1e-3 noise"), ("lanczos-near-1e-2", "ETF + 1e-2 noise")]
series = [("double products (earlier run, same day)", "#9aa5b1", lambda p: earlier.get(p)),
          ("double products (this run)", "#3b6ea8", lambda p: single.get(p + "-double")),
          ("single products (this run, the default)", "#d9822b", lambda p: single.get(p))]

W, H, left, top, bar, gap = 900, 350, 170, 60, 18, 22
scale_max = 400.0
plot_w = W - left - 190
def x(s): return left + plot_w * s / scale_max
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="15">λ_min at K = 100, d = 512, N = 50 000 (m = 2.56·10⁷), 2 cores</text>']
y = top
for p, label in points:
    group_top = y
    for name, colour, get in series:
        r = get(p)
        if r is None:
            continue
        s = r["seconds"]
        products = r["report"].get("hessianVectorProducts")
        svg.append(f'<rect x="{left}" y="{y}" width="{x(s) - left:.1f}" height="{bar}" fill="{colour}"/>')
        svg.append(f'<text x="{x(s) + 4:.1f}" y="{y + 13}">{s:.0f} s, {products} products</text>')
        y += bar + 2
    svg.append(f'<text x="{left - 8}" y="{(group_top + y) / 2 + 4:.1f}" text-anchor="end">{label}</text>')
    y += gap
axis_y = y
svg.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="black"/>')
for t in range(0, int(scale_max) + 1, 100):
    svg.append(f'<line x1="{x(t):.1f}" y1="{axis_y}" x2="{x(t):.1f}" y2="{axis_y + 5}" stroke="black"/>')
    svg.append(f'<text x="{x(t):.1f}" y="{axis_y + 18}" text-anchor="middle">{t}</text>')
svg.append(f'<text x="{left + plot_w / 2}" y="{axis_y + 34}" text-anchor="middle">wall-clock seconds</text>')
svg.append(f'<line x1="{x(300):.1f}" y1="{top - 8}" x2="{x(300):.1f}" y2="{axis_y}" stroke="#b22222" stroke-dasharray="5,4"/>')
svg.append(f'<text x="{x(300) + 4:.1f}" y="{top - 10}" fill="#b22222">300 s target</text>')
ly = H - 18
lx = 20
for name, colour, _ in series:
    svg.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{colour}"/>')
    svg.append(f'<text x="{lx + 16}" y="{ly}">{name}</text>')
    lx += 16 + 6.3 * len(name) + 24
svg.append("</svg>")
open(os.path.join(root, "cifar.svg"), "w").write("\n".join(svg) + "\n")
print(os.path.join(root, "cifar.svg"))
