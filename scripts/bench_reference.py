#!/usr/bin/env python3
"""The baseline a user would otherwise write: the dense Riemannian Hessian of the normalized
feature model built with NumPy, then numpy.linalg.eigvalsh.

Independent of the Swift code on purpose: it builds the *ambient* Euclidean Hessian
(d(K+N) square) from docs/formulas.md §2 with einsum, applies the Riemannian correction and projects on
tangent bases from numpy's SVD (a different basis from the toolkit's Householder one; the
eigenvalues do not depend on the basis).

  python3 scripts/bench_reference.py --sizes "10,11,10;10,11,30"     # timings (JSON lines)
  python3 scripts/bench_reference.py --point p.json                  # eigenvalues of a point JSON
"""
import argparse, json, sys, time
import numpy as np


def model_from_point(path):
    p = json.load(open(path))
    W = np.array(p["classifiers"], dtype=float).T
    H = np.array(p["features"], dtype=float).T
    return W, H, np.array(p["labels"]), p["K"], p["tau"], p.get("labelSmoothing", 0.0)


def riemannian_hessian(W, H, y, K, tau, eps=0.0):
    d, N = H.shape
    Z = tau * W.T @ H
    Z -= Z.max(axis=0)
    P = np.exp(Z); P /= P.sum(axis=0)
    T = np.full((K, N), eps / K); T[y, np.arange(N)] += 1 - eps
    G = P - T
    gW, gH = tau / N * H @ G.T, tau / N * W @ G
    S = np.einsum("aj,ab->jab", P, np.eye(K)) - np.einsum("aj,bj->jab", P, P)  # N×K×K
    n = K + N
    E = np.zeros((n, d, n, d))
    E[:K, :, :K, :] = tau**2 / N * np.einsum("jab,ij,kj->aibk", S, H, H)
    E[K + np.arange(N), :, K + np.arange(N), :] = tau**2 / N * np.einsum("ia,jab,kb->jik", W, S, W)
    WS = np.einsum("ib,jba->jai", W, S)  # (W S_j e_a) for each j, a
    WH = tau / N * (np.einsum("aj,ik->aijk", G, np.eye(d)) + tau * np.einsum("ij,jak->aijk", H, WS))
    E[:K, :, K:, :] = WH
    E[K:, :, :K, :] = WH.transpose(2, 3, 0, 1)
    X = np.concatenate([W, H], axis=1)
    g = np.concatenate([gW, gH], axis=1)
    xg = np.einsum("ic,ic->c", X, g)
    E = E.reshape(n * d, n * d) - np.kron(np.diag(xg), np.eye(d))
    # Tangent bases: the last d-1 right singular vectors of x_c^T.
    U = np.zeros((n * d, n * (d - 1)))
    for c in range(n):
        _, _, vt = np.linalg.svd(X[:, c:c + 1].T)
        U[c * d:(c + 1) * d, c * (d - 1):(c + 1) * (d - 1)] = vt[1:].T
    return U.T @ E @ U


def etf_like_point(K, d, n, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d, K + K * n))
    X /= np.linalg.norm(X, axis=0)
    return X[:, :K], X[:, K:], np.repeat(np.arange(K), n)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10,11,10;10,11,30", help="K,d,n triples separated by ';'")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--point", help="print the eigenvalues of this point JSON instead of timing")
    a = ap.parse_args()
    if a.point:
        W, H, y, K, tau, eps = model_from_point(a.point)
        print(json.dumps({"eigenvalues": np.linalg.eigvalsh(riemannian_hessian(W, H, y, K, tau, eps)).tolist()}))
        return
    for t in a.sizes.split(";"):
        K, d, n = map(int, t.split(","))
        W, H, y = etf_like_point(K, d, n)
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            np.linalg.eigvalsh(riemannian_hessian(W, H, y, K, 2.0))
            times.append(time.perf_counter() - t0)
        m = (K + K * n) * (d - 1)
        print(json.dumps({"K": K, "d": d, "n": n, "m": m, "numpySeconds": float(np.median(times))}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
