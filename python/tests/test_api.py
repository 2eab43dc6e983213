"""Tests of the Python entry point against the built toolkit (NCLANDSCAPE_BIN or a checkout)."""

import numpy as np
import pytest

import nclandscape


def simplex_etf(K, d):
    """K unit vectors in R^d with pairwise inner products −1/(K−1) (rows)."""
    M = np.eye(K) - np.ones((K, K)) / K
    M *= np.sqrt(K / (K - 1))
    Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((d, K)))
    return M @ Q.T


def collapsed(K=4, d=5, n=3):
    W = simplex_etf(K, d)
    y = np.repeat(np.arange(K), n)
    return W, W[y].copy(), y


def test_analyze_at_neural_collapse_is_the_global_minimizer():
    W, H, y = collapsed()
    r = nclandscape.analyze(W, H, y, tau=2.0)
    assert r["classification"] == "global_minimizer"
    assert r["index"] == 0
    assert r["nc"]["nc1"] < 1e-12
    # f* of the balanced problem: log(1 + (K−1) exp(−τK/(K−1))).
    assert r["lossValue"] == pytest.approx(np.log1p(3 * np.exp(-2.0 * 4 / 3)), rel=1e-12)
    assert r["optimalLoss"] == pytest.approx(r["lossValue"], rel=1e-12)


def test_anti_aligned_point_is_a_strict_saddle_and_losses_pass_through():
    W, H, y = collapsed()
    r = nclandscape.analyze(W, -H, y, tau=2.0, loss="focal", gamma=2)
    assert r["classification"] == "strict_saddle"
    assert r["lambdaMin"] < 0
    assert r["model"]["loss"] == {"kind": "focal", "gamma": 2}


def test_losses_come_from_the_registry():
    # The wrapper lists no loss itself: it reads the binary's registry, and every loss with its
    # default parameters reaches a model through analyze's keyword arguments.
    registry = nclandscape.losses()
    assert registry[0]["kind"] == "cross-entropy"
    W, _, y = collapsed(K=3, d=4)
    # A generic point (no feature parallel to a classifier), where every loss is smooth.
    H = np.random.default_rng(5).normal(size=(len(y), 4))
    H /= np.linalg.norm(H, axis=1, keepdims=True)
    for entry in registry:
        params = {p["key"]: p["defaultValue"] for p in entry["parameters"]}
        r = nclandscape.analyze(W, H, y, tau=2.0, loss=entry["kind"], method="dense", **params)
        assert r["model"]["loss"] == {"kind": entry["kind"], **params}
    # A misspelt argument is not swallowed as a loss parameter.
    with pytest.raises(TypeError, match="gama"):
        nclandscape.analyze(W, H, y, tau=2.0, loss="focal", gama=2)


def test_metrics_of_noisy_features():
    W, H, y = collapsed(K=3, d=6, n=10)
    rng = np.random.default_rng(1)
    m0 = nclandscape.metrics(H, y, W=W)
    m1 = nclandscape.metrics(H + 0.1 * rng.standard_normal(H.shape), y, W=W)
    assert m0["nc1"] < 1e-12
    assert m1["nc1"] > 1e-4
    assert m1["accuracy"] == 1


def test_float32_and_array_likes_are_accepted():
    W, H, y = collapsed()

    class Tensorish:
        """Stands in for a torch tensor: only detach(), cpu() and __array__."""
        def __init__(self, a):
            self.a = a
        def detach(self):
            return self
        def cpu(self):
            return self
        def __array__(self, dtype=None, copy=None):
            return self.a if dtype is None else self.a.astype(dtype)

    r = nclandscape.metrics(Tensorish(H.astype(np.float32)), Tensorish(y.astype(np.int32)), W=Tensorish(W.astype(np.float32)))
    assert r["nc1"] < 1e-10


def test_spectrum_of_the_point_with_polishing():
    W, H, y = collapsed()
    r = nclandscape.spectrum(W, H, y, tau=2.0)
    assert r["classification"] == "global_minimizer"
    assert r["inertia"]["zero"] == r["symmetryNullity"]


def test_toolkit_errors_become_exceptions_with_its_message():
    W, H, y = collapsed()
    bad = y.copy()
    bad[0] = 7
    with pytest.raises(nclandscape.NCLandscapeError, match="label 7 is out of range"):
        nclandscape.analyze(W, H, bad, tau=2.0)
    with pytest.raises(nclandscape.NCLandscapeError, match="tau must be a positive finite number"):
        nclandscape.analyze(W, H, y, tau=-1)
    with pytest.raises(nclandscape.NCLandscapeError, match="integer"):
        nclandscape.metrics(H, y + 0.5)
    Hn = H.copy()
    Hn[0, 0] = np.nan
    with pytest.raises(nclandscape.NCLandscapeError, match="NaN"):
        nclandscape.metrics(Hn, y)


def test_missing_binary_is_reported():
    W, H, y = collapsed()
    with pytest.raises(nclandscape.NCLandscapeError, match="cannot find the nclandscape binary at /nonexistent"):
        nclandscape.metrics(H, y, binary="/nonexistent/nclandscape")


def test_metrics_without_classifiers_gives_float_nan():
    W, H, y = collapsed()
    m = nclandscape.metrics(H, y)
    for key in ("nc3SelfDualityCentred", "nc3GramUncentred", "accuracy", "cosineAccuracy", "nc4NCCAgreement"):
        assert isinstance(m[key], float) and np.isnan(m[key]), (key, m[key])
    for value in m["nc2Classifiers"].values():
        assert isinstance(value, float) and np.isnan(value)
    # The class means' NC2 needs no W: a number (0 at collapse), not NaN.
    assert m["nc2ClassMeans"]["etfDistance"] < 1e-12


def test_a_missing_NCLANDSCAPE_BIN_is_an_error_not_a_fallback(monkeypatch):
    W, H, y = collapsed()
    monkeypatch.setenv("NCLANDSCAPE_BIN", "/nonexistent/nclandscape")
    with pytest.raises(nclandscape.NCLandscapeError, match="NCLANDSCAPE_BIN names /nonexistent/nclandscape"):
        nclandscape.metrics(H, y)


def test_huge_labels_are_refused_with_a_message():
    W, H, y = collapsed()
    for big in (2**63 - 1, 10**12):
        bad = y.astype(np.int64)
        bad[0] = big
        with pytest.raises(nclandscape.NCLandscapeError, match="out of range"):
            nclandscape.metrics(H, bad)
