"""The wrappers beyond metrics/analyze, the binary search order, and error messages that name
the caller's arrays rather than the temporary files written for the toolkit."""

import os

import numpy as np
import pytest

import nclandscape


def simplex_etf(K, d, seed=0):
    M = (np.eye(K) - np.ones((K, K)) / K) * np.sqrt(K / (K - 1))
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, K)))
    return M @ Q.T


def random_point(K=3, d=4, n=4, seed=1):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((K, d))
    H = rng.standard_normal((K * n, d))
    return W / np.linalg.norm(W, axis=1, keepdims=True), H / np.linalg.norm(H, axis=1, keepdims=True), np.repeat(np.arange(K), n)


def test_spectrum_top_k_is_the_top_of_the_dense_spectrum():
    W, H, y = random_point()
    r = nclandscape.spectrum(W, H, y, tau=2.0, method="dense", top=3)
    assert isinstance(r["eigenvalues"], np.ndarray) and r["eigenvaluesComplete"]
    # Same LAPACK spectrum, two routes (full and partial dsyevr): agreement to rounding, 1e-12 ‖M‖.
    np.testing.assert_allclose(r["topEigenvalues"], np.sort(r["eigenvalues"])[::-1][:3], atol=1e-12 * abs(r["eigenvalues"]).max())
    assert r["topEigenvalues"][0] == pytest.approx(r["lambdaMax"], rel=1e-12)
    lz = nclandscape.spectrum(W, H, y, tau=2.0, method="lanczos", top=3)
    # Lanczos stops at residual 1e-9 ‖M‖, which bounds each eigenvalue's error.
    np.testing.assert_allclose(lz["topEigenvalues"], r["topEigenvalues"], atol=1e-8 * abs(r["eigenvalues"]).max())
    assert np.all(lz["topResiduals"] < 1e-8)


def test_polish_reports_the_distance_moved():
    W, H, y = random_point(seed=2)
    r = nclandscape.spectrum(W, H, y, tau=2.0, polish=True)
    p = r["polishDisplacement"]
    assert 0 <= p["meanAngle"] <= p["maxAngle"] <= np.pi
    assert p["maxAngle"] > 0.1            # a random point is far from any critical point
    assert any("moved the point far" in n for n in r["notes"])


def test_density_returns_arrays_and_writes_nothing_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    W, H, y = random_point()
    r = nclandscape.density(W, H, y, tau=2.0, probes=3, steps=15)
    assert isinstance(r["grid"], np.ndarray) and r["grid"].shape == r["density"].shape
    assert np.all(np.diff(r["cdf"]) >= -1e-12)            # a CDF does not decrease (rounding aside)
    assert os.listdir(tmp_path) == []


def test_slice_curves_are_arrays():
    W, H, y = random_point()
    r = nclandscape.slice(W, H, y, tau=2.0, directions=["random"], grid=11, span=0.2)
    curve = r["curves"][0]
    assert isinstance(curve["lossValues"], np.ndarray) and len(curve["lossValues"]) == 11
    # The centre of the grid is the point itself.
    assert curve["lossValues"][5] == pytest.approx(r["lossValue"], rel=1e-12)


def test_verify_finds_a_benign_landscape_above_the_theorems_bound():
    r = nclandscape.verify(K=3, d=4, n=1, tau=2.0, starts=6, jobs=1, certify=False)
    assert r["verdict"] == "benign"
    assert len(r["points"]) >= 1
    assert any(p["classification"] == "global_minimizer" for p in r["points"])


def test_verify_into_a_kept_folder_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "v"
    nclandscape.verify(K=3, d=3, n=1, starts=2, jobs=1, certify=False, out=out)
    assert (out / "report.md").is_file()
    with pytest.raises(nclandscape.NCLandscapeError, match="--force|--resume"):
        nclandscape.verify(K=3, d=3, n=1, starts=2, jobs=1, certify=False, out=out)
    r = nclandscape.verify(K=3, d=3, n=1, starts=2, jobs=1, certify=False, out=out, force=True)
    assert r["verdict"] in ("benign", "spurious_minimum_found", "inconclusive")


def test_escape_from_a_named_saddle_and_from_arrays():
    r = nclandscape.escape(start="total", K=3, d=3, n=1, tau=2.0, radii=[1e-3], seeds=1, jobs=1)
    assert r["lambdaMin"] < 0
    assert isinstance(r["runs"]["radius"], np.ndarray)
    W = simplex_etf(3, 3)
    y = np.arange(3)
    r2 = nclandscape.escape(W, -W[y], y, tau=2.0, radii=[1e-3], seeds=1, jobs=1)
    assert r2["index"] >= 1


def test_sweep_and_phase(tmp_path):
    out = tmp_path / "s.jsonl"
    results = nclandscape.sweep(out, K=[3], d=[3], n=[1], tau=[2.0], starts=4, jobs=1, certify=False)
    assert len(results) == 1 and results[0]["verdict"] in ("benign", "spurious_minimum_found", "inconclusive")
    files = nclandscape.phase(out, tmp_path / "phase")
    assert "phase.md" in files and any(f.endswith(".svg") for f in files)


def test_errors_name_the_callers_arrays_not_temporary_files():
    W, H, y = random_point()
    Hn = H.copy()
    Hn[0, 0] = np.nan
    with pytest.raises(nclandscape.NCLandscapeError) as e:
        nclandscape.spectrum(W, Hn, y, tau=2.0)
    assert "the features array H" in str(e.value)
    assert "/tmp" not in str(e.value) and "nclandscape-" not in str(e.value)


def test_tau_is_required():
    W, H, y = random_point()
    with pytest.raises(TypeError):
        nclandscape.analyze(W, H, y)               # noqa: the missing tau is the point
    with pytest.raises(nclandscape.NCLandscapeError, match="tau is required"):
        nclandscape.spectrum(W, H, y, tau=None)


def test_binary_search_order(monkeypatch, tmp_path):
    found = nclandscape.find_binary()
    monkeypatch.delenv("NCLANDSCAPE_BIN", raising=False)
    nclandscape.set_binary(None)
    # Without any setting, the checkout's own build (this test runs inside a checkout).
    root = nclandscape.checkout()
    assert root is not None
    default = nclandscape.find_binary()
    assert default.startswith(os.path.join(root, ".build")) or default == found
    # set_binary is used when NCLANDSCAPE_BIN is unset, and refuses a non-executable path at once.
    copy = tmp_path / "nclandscape"
    os.symlink(found, copy)
    nclandscape.set_binary(copy)
    try:
        assert nclandscape.find_binary() == str(copy)
        monkeypatch.setenv("NCLANDSCAPE_BIN", found)
        assert nclandscape.find_binary() == found     # the environment variable comes first
    finally:
        nclandscape.set_binary(None)
    with pytest.raises(nclandscape.NCLandscapeError, match="not an executable file"):
        nclandscape.set_binary(tmp_path / "missing")


def test_the_missing_binary_error_says_how_to_build(monkeypatch):
    monkeypatch.delenv("NCLANDSCAPE_BIN", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(nclandscape, "checkout", lambda: None)
    nclandscape.set_binary(None)
    with pytest.raises(nclandscape.NCLandscapeError, match="swift build -c release.*set_binary"):
        nclandscape.find_binary()


def test_torch_tensors_are_accepted():
    torch = pytest.importorskip("torch")
    W, H, y = random_point()
    t = nclandscape.metrics(torch.tensor(H, requires_grad=True), torch.tensor(y), W=torch.tensor(W))
    n = nclandscape.metrics(H, y, W=W)
    assert t["nc1"] == pytest.approx(n["nc1"], rel=1e-12)
