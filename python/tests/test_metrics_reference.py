"""The toolkit's NC metrics against an independent NumPy implementation of their definitions
(Papyan, Han & Donoho, PNAS 2020; docs/metrics.md), on fixed data."""

import numpy as np
import pytest

import nclandscape


def reference(H, y, W=None):
    """Every metric straight from its definition, rows-are-vectors, in NumPy."""
    K = int(y.max()) + 1
    N = H.shape[0]
    means = np.stack([H[y == k].mean(axis=0) for k in range(K)])        # K × d, uncentred
    mu_g = H.mean(axis=0)
    M = means - mu_g                                                     # centred class means
    dev = H - means[y]
    Sw = dev.T @ dev / N
    Sb = M.T @ M / K
    U, s, _ = np.linalg.svd(Sb)
    keep = s > 1e-10 * s[0]
    Sb_pinv = (U[:, keep] / s[keep]) @ U[:, keep].T
    out = {"nc1": np.trace(Sw @ Sb_pinv) / K}
    E = (np.eye(K) - np.ones((K, K)) / K) / np.sqrt(K - 1)

    def geometry(V):                                                     # V: K × d, one vector a row
        norms = np.linalg.norm(V, axis=1)
        C = (V @ V.T) / np.outer(norms, norms)
        pairs = C[np.triu_indices(K, 1)]
        G = V @ V.T
        return {"equinorm": norms.std(ddof=1) / norms.mean(),
                "equiangularity": pairs.std(ddof=1) if len(pairs) > 1 else 0.0,
                "maxAngle": np.abs(pairs + 1 / (K - 1)).mean(),
                "etfDistance": np.linalg.norm(G / np.linalg.norm(G) - E)}

    out["nc2ClassMeans"] = geometry(M)
    if W is not None:
        out["nc2Classifiers"] = geometry(W)
        out["nc3SelfDualityCentred"] = np.linalg.norm(W / np.linalg.norm(W) - M / np.linalg.norm(M))
        G3 = W @ means.T
        out["nc3GramUncentred"] = np.linalg.norm(G3 / np.linalg.norm(G3) - E)
        logits = H @ W.T
        cosines = logits / np.linalg.norm(W, axis=1)
        out["accuracy"] = np.mean(logits.argmax(axis=1) == y)
        out["cosineAccuracy"] = np.mean(cosines.argmax(axis=1) == y)
        ncc = ((H[:, None, :] - means[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        out["nc4NCCAgreement"] = np.mean(ncc == logits.argmax(axis=1))
    return out


def fixed_data(K=5, d=8, n=12, seed=3):
    """Clustered, unequal-norm features and classifiers of unequal lengths (so the linear and
    cosine accuracies and the centred and uncentred forms all differ)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((K, d)) + 0.7                          # a common offset: centring matters
    y = np.repeat(np.arange(K), n)
    H = centres[y] + 0.6 * rng.standard_normal((K * n, d))
    W = (centres - centres.mean(axis=0)) * rng.uniform(0.3, 3.0, size=(K, 1)) + 0.3 * rng.standard_normal((K, d))
    return W, H, y


def close(a, b, rel):
    return a == pytest.approx(b, rel=rel, abs=rel)


# Tolerance 1e-10: both sides are O(1) sums of a few hundred products in double precision;
# NC1's pseudo-inverse is of a well-conditioned K−1 = 4 dimensional Σ_B (rounding ≈ 1e-14).
TOL = 1e-10


def test_every_metric_matches_the_numpy_reference():
    W, H, y = fixed_data()
    got = nclandscape.metrics(H, y, W=W)
    ref = reference(H, y, W)
    assert close(got["nc1"], ref["nc1"], TOL)
    for group in ("nc2ClassMeans", "nc2Classifiers"):
        for key in ("equinorm", "equiangularity", "maxAngle", "etfDistance"):
            assert close(got[group][key], ref[group][key], TOL), (group, key, got[group][key], ref[group][key])
    for key in ("nc3SelfDualityCentred", "nc3GramUncentred", "accuracy", "cosineAccuracy", "nc4NCCAgreement"):
        assert close(got[key], ref[key], TOL), (key, got[key], ref[key])
    # The example is not degenerate: it separates the forms the docs distinguish.
    assert abs(ref["nc3SelfDualityCentred"] - ref["nc3GramUncentred"]) > 1e-2
    assert ref["accuracy"] != ref["cosineAccuracy"]


def test_without_classifiers_the_class_mean_metrics_are_numbers_and_the_rest_nan():
    W, H, y = fixed_data()
    got = nclandscape.metrics(H, y)
    ref = reference(H, y)
    assert close(got["nc1"], ref["nc1"], TOL)
    for key, value in ref["nc2ClassMeans"].items():
        assert close(got["nc2ClassMeans"][key], value, TOL)
    for key in ("nc3SelfDualityCentred", "nc3GramUncentred", "accuracy", "cosineAccuracy", "nc4NCCAgreement"):
        assert isinstance(got[key], float) and np.isnan(got[key]), key
    assert all(np.isnan(v) for v in got["nc2Classifiers"].values())


def test_normalize_matches_the_reference_on_unit_rows():
    W, H, y = fixed_data(seed=4)
    got = nclandscape.metrics(H, y, W=W, normalize=True)
    Wn = W / np.linalg.norm(W, axis=1, keepdims=True)
    Hn = H / np.linalg.norm(H, axis=1, keepdims=True)
    ref = reference(Hn, y, Wn)
    assert close(got["nc1"], ref["nc1"], TOL)
    assert close(got["nc3SelfDualityCentred"], ref["nc3SelfDualityCentred"], TOL)
    # With unit classifiers the linear and the cosine classifier are the same classifier.
    assert got["accuracy"] == got["cosineAccuracy"]


def test_analyze_reports_the_cosine_accuracy_of_the_raw_vectors():
    W, H, y = fixed_data()
    r = nclandscape.analyze(W, H, y, tau=4.0)
    ref = reference(H, y, W)
    assert r["nc"]["cosineAccuracy"] == pytest.approx(ref["cosineAccuracy"])
    assert r["nc"]["accuracy"] == pytest.approx(ref["accuracy"])
    assert r["ncNormalized"]["accuracy"] == pytest.approx(ref["cosineAccuracy"])
