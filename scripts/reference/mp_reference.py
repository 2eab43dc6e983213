#!/usr/bin/env python3
"""Arbitrary-precision reference for NCLandscape point files (independent of the Swift code).

For each point JSON (keys K, d, tau, labels, classifiers, features, optional labelSmoothing and
loss {"kind": cross-entropy | focal | cosface, "gamma", "margin"}), it computes at the file's
double-precision coordinates (each column projected onto its sphere in high precision), with
`--digits` decimal digits (default 100):

  loss f, Riemannian gradient norm, every eigenvalue of the Riemannian Hessian, rank of [W H],
  symmetry nullity nu, and a label by the rules of docs/formulas.md section 4.

Independence from the toolkit: nothing is shared. The logit gradient and logit Hessian of the
per-sample loss come from generic second-order Taylor ("jet") arithmetic applied to the plain
loss formula, not from hand-derived expressions; the ambient Euclidean Hessian is assembled
entry by entry; tangent bases come from mpmath's QR. The assembled Riemannian Hessian is then
checked against d^2/dt^2 f(R_x(t xi)) along random tangent directions (the metric-projection
retraction is second order, so the two agree at any point), computed by jets through the whole
loss, and against central second differences of loss values alone (no jets); the script refuses
to write a result if either differs beyond 1e-40 relative.

Usage:
  pip install -r scripts/reference/requirements.txt
  python3 scripts/reference/mp_reference.py point.json [more.json ...] [--digits 100] [--out result.json]
"""
import argparse
import json
import random
import sys

from mpmath import mp, mpf


class Jet:
    """a0 + a1 t + a2 t^2: value, first and second Taylor coefficients along one direction."""
    __slots__ = ("a0", "a1", "a2")

    def __init__(self, a0, a1=0, a2=0):
        self.a0, self.a1, self.a2 = mpf(a0), mpf(a1), mpf(a2)

    @staticmethod
    def lift(x):
        return x if isinstance(x, Jet) else Jet(x)

    def __add__(self, o):
        o = Jet.lift(o); return Jet(self.a0 + o.a0, self.a1 + o.a1, self.a2 + o.a2)
    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.a0, -self.a1, -self.a2)

    def __sub__(self, o):
        return self + (-Jet.lift(o))

    def __rsub__(self, o):
        return Jet.lift(o) - self

    def __mul__(self, o):
        o = Jet.lift(o)
        return Jet(self.a0 * o.a0, self.a0 * o.a1 + self.a1 * o.a0, self.a0 * o.a2 + self.a1 * o.a1 + self.a2 * o.a0)
    __rmul__ = __mul__

    def recip(self):
        b0, b1, b2 = self.a0, self.a1, self.a2
        return Jet(1 / b0, -b1 / b0**2, (b1 * b1 - b0 * b2) / b0**3)

    def __truediv__(self, o):
        return self * Jet.lift(o).recip()

    def __rtruediv__(self, o):
        return Jet.lift(o) * self.recip()


def jexp(x):
    x = Jet.lift(x); e = mp.exp(x.a0)
    return Jet(e, e * x.a1, e * (x.a2 + x.a1 * x.a1 / 2))


def jlog(x):
    x = Jet.lift(x)
    return Jet(mp.log(x.a0), x.a1 / x.a0, x.a2 / x.a0 - x.a1 * x.a1 / (2 * x.a0 * x.a0))


def jpow(x, g):
    return jexp(mpf(g) * jlog(x))


def jsqrt(x):
    return jpow(x, mpf(1) / 2)


def sample_loss(z, y, spec, K, tau):
    """The per-sample loss as a plain formula on jets (z: list of K jets)."""
    kind = spec["kind"]
    eps = mpf(spec.get("labelSmoothing", 0))
    zh = list(z)
    if kind == "cosface":
        zh[y] = zh[y] - tau * mpf(spec.get("margin", 0))
    m = max(zk.a0 for zk in zh)   # a constant shift: exact, and keeps exp in range
    s = Jet(0)
    for zk in zh:
        s = s + jexp(zk - m)
    lse = m + jlog(s)
    if kind in ("cross-entropy", "cosface"):
        out = lse
        for k in range(K):
            t = (1 - eps if k == y else 0) + eps / K
            out = out - t * zh[k]
        return out
    if kind == "focal":
        gamma = mpf(spec.get("gamma", 0))
        logp = zh[y] - lse
        notp = Jet(0)
        for k in range(K):
            if k != y:
                notp = notp + jexp(zh[k] - lse)
        if gamma == 0:
            return -logp
        return -(jpow(notp, gamma)) * logp
    raise ValueError("unknown loss kind " + kind)


def loss_spec(pt):
    spec = dict(pt.get("loss") or {"kind": "cross-entropy"})
    spec.setdefault("kind", "cross-entropy")
    spec["labelSmoothing"] = pt.get("labelSmoothing", 0) or 0
    return spec


def logit_derivatives(zv, y, spec, K, tau):
    """Value, gradient and Hessian of the sample loss in the logits, by jets (polarization)."""
    def along(direction):
        z = [Jet(zv[k], direction[k], 0) for k in range(K)]
        return sample_loss(z, y, spec, K, tau)
    base = along([0] * K)
    grad = []
    diag2 = []
    for a in range(K):
        e = [0] * K; e[a] = 1
        j = along(e)
        grad.append(j.a1); diag2.append(2 * j.a2)
    hess = mp.matrix(K, K)
    for a in range(K):
        hess[a, a] = diag2[a]
        for b in range(a + 1, K):
            e = [0] * K; e[a] = 1; e[b] = 1
            q = 2 * along(e).a2
            hess[a, b] = hess[b, a] = (q - diag2[a] - diag2[b]) / 2
    return base.a0, grad, hess


def tangent_basis(x, d):
    nx = mp.sqrt(mp.fsum(v * v for v in x))
    basis = [[v / nx for v in x]]
    for _ in range(d - 1):
        best = None
        for i in range(d):
            v = [mpf(1) if r == i else mpf(0) for r in range(d)]
            for _ in range(2):
                for b in basis:
                    c = mp.fsum(v[r] * b[r] for r in range(d))
                    v = [v[r] - c * b[r] for r in range(d)]
            n = mp.sqrt(mp.fsum(t * t for t in v))
            if best is None or n > best[0]:
                best = (n, v)
        basis.append([t / best[0] for t in best[1]])
    return basis[1:]


def load(path):
    with open(path) as f:
        pt = json.load(f)
    pt = pt.get("point", pt)
    K, d = int(pt["K"]), int(pt["d"])
    cols = [[mpf(v) for v in c] for c in pt["classifiers"]] + [[mpf(v) for v in c] for c in pt["features"]]
    # Doubles are unit only to ~1e-16; the manifold point is the exact projection of the file's
    # columns onto the spheres (a 1e-16 move, far below every tolerance compared against).
    cols = [[v / mp.sqrt(mp.fsum(t * t for t in c)) for v in c] for c in cols]
    return pt, K, d, cols


def loss_at(cols, pt, K, d, spec, tau):
    N = len(pt["labels"])
    total = mpf(0)
    for j, y in enumerate(pt["labels"]):
        h = cols[K + j]
        z = [Jet(tau * mp.fsum(cols[k][i] * h[i] for i in range(d))) for k in range(K)]
        total += sample_loss(z, y, spec, K, tau).a0
    return total / N


def pullback_second_derivative(cols, pt, K, d, spec, tau, xi):
    """d^2/dt^2 f(R_x(t xi)) at t = 0 by jets through the retraction and the whole loss."""
    N = len(pt["labels"])
    cur = []
    for c, x in enumerate(cols):
        v = [Jet(x[i], xi[c][i], 0) for i in range(d)]
        nrm = Jet(0)
        for e in v:
            nrm = nrm + e * e
        inv = jsqrt(nrm).recip()
        cur.append([e * inv for e in v])
    total = Jet(0)
    for j, y in enumerate(pt["labels"]):
        h = cur[K + j]
        z = []
        for k in range(K):
            acc = Jet(0)
            for i in range(d):
                acc = acc + cur[k][i] * h[i]
            z.append(tau * acc)
        total = total + sample_loss(z, y, spec, K, tau)
    return 2 * total.a2 / N


def riemannian_hessian(pt, K, d, cols, spec, tau):
    """Loss, radial parts x_c^T g_c, Riemannian gradient norm squared, tangent bases, and M."""
    labels = pt["labels"]
    N = len(labels)
    C = K + N
    D = d * C
    # Ambient Euclidean gradient and Hessian, variable index c*d + i (column c, entry i).
    egrad = [mpf(0)] * D
    ehess = mp.matrix(D, D)
    loss = mpf(0)
    for j, y in enumerate(labels):
        h = cols[K + j]
        zv = [tau * mp.fsum(cols[k][i] * h[i] for i in range(d)) for k in range(K)]
        val, g, lam = logit_derivatives(zv, y, spec, K, tau)
        loss += val
        # dz_k/dw_k = tau h, dz_k/dh = tau w_k.
        for k in range(K):
            for i in range(d):
                egrad[k * d + i] += g[k] * tau * h[i] / N
                egrad[(K + j) * d + i] += g[k] * tau * cols[k][i] / N
        # J^T Lam J over the variable blocks w_0..w_{K-1}, h_j.
        def jac(k, c, i):
            if c == k:
                return tau * h[i]
            if c == K + j:
                return tau * cols[k][i]
            return mpf(0)
        blocks = list(range(K)) + [K + j]
        for c1 in blocks:
            for c2 in blocks:
                for i1 in range(d):
                    r = c1 * d + i1
                    for i2 in range(d):
                        s = mpf(0)
                        for a in range(K):
                            ja = jac(a, c1, i1)
                            if ja == 0:
                                continue
                            for b in range(K):
                                jb = jac(b, c2, i2)
                                if jb != 0:
                                    s += ja * lam[a, b] * jb
                        ehess[r, c2 * d + i2] += s / N
        # Second derivative of the logits: d^2 z_k / dw_k dh_j = tau I.
        for k in range(K):
            for i in range(d):
                ehess[k * d + i, (K + j) * d + i] += g[k] * tau / N
                ehess[(K + j) * d + i, k * d + i] += g[k] * tau / N
    loss /= N
    # Tangent bases: Gram-Schmidt (twice) of the unit vectors against x and each other,
    # keeping the d-1 candidates with the largest remainders; then the Riemannian objects.
    q = d - 1
    m = C * q
    U = [tangent_basis(cols[c], d) for c in range(C)]
    radial = [mp.fsum(cols[c][i] * egrad[c * d + i] for i in range(d)) for c in range(C)]
    rgrad2 = mpf(0)
    for c in range(C):
        for i in range(d):
            rgrad2 += (egrad[c * d + i] - radial[c] * cols[c][i]) ** 2
    M = mp.matrix(m, m)
    for c1 in range(C):
        for t1 in range(q):
            r = c1 * q + t1
            u1 = U[c1][t1]
            for c2 in range(C):
                for t2 in range(q):
                    u2 = U[c2][t2]
                    s = mpf(0)
                    for i1 in range(d):
                        if u1[i1] == 0:
                            continue
                        for i2 in range(d):
                            s += u1[i1] * ehess[c1 * d + i1, c2 * d + i2] * u2[i2]
                    if c1 == c2 and t1 == t2:
                        s -= radial[c1]
                    M[r, c2 * q + t2] = s
    return loss, rgrad2, U, M


def analyze(path, digits, checks, seed):
    mp.dps = digits
    pt, K, d, cols = load(path)
    tau = mpf(pt["tau"])
    N = len(pt["labels"])
    C = K + N
    q = d - 1
    m = C * q
    spec = loss_spec(pt)
    loss, rgrad2, U, M = riemannian_hessian(pt, K, d, cols, spec, tau)
    # The independent check: xi^T M xi against d^2/dt^2 f(R_x(t xi)).
    rng = random.Random(seed)
    worst = mpf(0)
    fd_worst = mpf(0)
    for _ in range(checks):
        coef = [mpf(rng.gauss(0, 1)) for _ in range(m)]
        xi = [[mp.fsum(U[c][t][i] * coef[c * q + t] for t in range(q)) for i in range(d)] for c in range(C)]
        quad = mp.fsum(coef[a] * M[a, b] * coef[b] for a in range(m) for b in range(m))
        jet = pullback_second_derivative(cols, pt, K, d, spec, tau, xi)
        # And a check that uses loss values only (no jets): a central second difference at twice
        # the precision with h = 10^(-digits/2). Near saturation the loss value itself cancels
        # (lse(z) − z_y ≈ 1e-58 from O(τ) terms), so the doubled precision is what keeps the
        # rounding (~τ 10^(-2 digits)/h²) far below the truncation error (~h² τ² relative).
        with mp.workdps(2 * digits):
            h = mpf(10) ** (-(digits // 2))
            def f_at(t):
                moved = [[(cols[c][i] + t * xi[c][i]) for i in range(d)] for c in range(C)]
                moved = [[v / mp.sqrt(mp.fsum(w * w for w in col)) for v in col] for col in moved]
                return loss_at(moved, pt, K, d, spec, tau)
            fd = (f_at(h) - 2 * f_at(0) + f_at(-h)) / (h * h)
        scale = mp.fsum(abs(coef[a] * M[a, b] * coef[b]) for a in range(m) for b in range(m))
        worst = max(worst, abs(quad - jet) / scale if scale > 0 else abs(quad - jet))
        fd_worst = max(fd_worst, abs(quad - fd) / scale if scale > 0 else abs(quad - fd))
    if worst > mpf(10) ** -40:
        raise SystemExit(f"{path}: Hessian assembly disagrees with the pullback's second derivative ({mp.nstr(worst, 5)})")
    if fd_worst > mpf(10) ** -40:
        raise SystemExit(f"{path}: Hessian disagrees with second differences of the loss ({mp.nstr(fd_worst, 5)})")
    eig = sorted(mp.eigsy(M, eigvals_only=True))
    norm = max(abs(eig[0]), abs(eig[-1]))
    delta = mpf("1e-8") * norm
    # Rank of [W H] from the eigenvalues of X X^T (relative cut 1e-16 on singular values).
    G = mp.matrix(d, d)
    for i1 in range(d):
        for i2 in range(d):
            G[i1, i2] = mp.fsum(cols[c][i1] * cols[c][i2] for c in range(C))
    sv = sorted((mp.sqrt(max(v, 0)) for v in mp.eigsy(G, eigvals_only=True)), reverse=True)
    rank = sum(1 for v in sv if v > mpf("1e-8") * sv[0])
    nu = d * (d - 1) // 2 - (d - rank) * (d - rank - 1) // 2
    negative = sum(1 for v in eig if v < -delta)
    zeros = sum(1 for v in eig if abs(v) <= delta)
    fstar = optimal_value(pt, K, d, spec, tau)
    if negative > 0:
        label = "strict_saddle"
    elif fstar is not None and abs(loss - fstar) <= mpf("1e-9") * abs(fstar):
        label = "global_minimizer"
    elif zeros > nu:
        label = "degenerate"
    elif fstar is None:
        label = "local_minimizer"
    else:
        label = "spurious_local_minimizer" if loss > fstar else "local_minimizer"
    digits_out = 30
    return {
        "source": path,
        "digits": digits,
        "mpmath": mp.__class__.__module__.split(".")[0] + " " + __import__("mpmath").__version__,
        "loss": mp.nstr(loss, digits_out),
        "optimalLoss": mp.nstr(fstar, digits_out) if fstar is not None else None,
        "riemannianGradientNorm": mp.nstr(mp.sqrt(rgrad2), digits_out),
        "eigenvalues": [mp.nstr(v, digits_out) for v in eig],
        "spectralNorm": mp.nstr(norm, digits_out),
        "negative": negative,
        "zero": zeros,
        "rank": rank,
        "symmetryNullity": nu,
        "classification": label,
        "taylorCheckWorstRelativeError": mp.nstr(worst, 3),
        "secondDifferenceCheckWorstRelativeError": mp.nstr(fd_worst, 3),
        "point": pt,
    }


def optimal_value(pt, K, d, spec, tau):
    """The proven optimum where docs/formulas.md gives one (balanced classes)."""
    counts = [pt["labels"].count(k) for k in range(K)]
    if len(set(counts)) != 1 or d < K - 1:
        return None
    eps = mpf(spec.get("labelSmoothing", 0))
    kind = spec["kind"]
    top = tau * K / (K - 1)
    if kind == "cosface":
        top = top - tau * mpf(spec.get("margin", 0))
    if kind == "focal":
        gamma = mpf(spec.get("gamma", 0))
        a = (K - 1) * mp.exp(-top)
        return (a / (1 + a)) ** gamma * mp.log(1 + a)
    mu = mp.inf if eps == 0 else mp.log((1 - eps + eps / K) / (eps / K))
    if mu <= top:
        if d < K:
            return None
        off = eps / K
        ty = 1 - eps + off
        return -ty * mp.log(ty) - (K - 1) * off * mp.log(off)
    return mp.log(1 + (K - 1) * mp.exp(-top)) + eps * (K - 1) / K * top


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("points", nargs="+")
    ap.add_argument("--digits", type=int, default=100, help="decimal digits of precision (default 100)")
    ap.add_argument("--checks", type=int, default=3, help="random directions for the Taylor check (default 3)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the check directions (default 0)")
    ap.add_argument("--out", help="write one JSON object (one point) or a list; default: stdout")
    a = ap.parse_args()
    results = [analyze(p, a.digits, a.checks, a.seed) for p in a.points]
    text = json.dumps(results[0] if len(results) == 1 else results, indent=1) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
