"""Python entry point to the NCLandscape toolkit.

Every function writes its arrays to ``.npy`` files in a temporary folder, runs the
``nclandscape`` binary and returns what it computed as Python floats, NumPy arrays and dicts.
Missing quantities (a classifier metric without ``W``) are ``float('nan')``, never a string.

Arrays are rows-are-vectors, as a network produces them: ``W`` is ``K × d`` (the last layer's
weight), ``H`` is ``N × d`` (penultimate features), ``y`` holds ``N`` integer labels. NumPy
arrays, PyTorch tensors (on any device, with or without grad: ``.detach().cpu()`` is called
when present) and anything with ``__array__`` are accepted; PyTorch is not a dependency.

The binary is found in this order (``find_binary``):

1. ``binary=...`` given to the call;
2. ``$NCLANDSCAPE_BIN`` if set; a path that is not an executable file is an error, never a
   reason to run another binary;
3. the path given to ``nclandscape.set_binary()``;
4. ``.build/release/nclandscape``, then ``.build/debug/nclandscape``, of the checkout this
   package was installed from (recorded at ``pip install ./python``) or is imported from;
5. ``nclandscape`` on ``PATH``.

If none exists the error says how to build it (``swift build -c release`` in the checkout).
"""

import csv
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

__all__ = ["analyze", "metrics", "spectrum", "density", "verify", "slice", "escape", "sweep", "phase", "losses",
           "NCLandscapeError", "find_binary", "set_binary", "checkout"]
__version__ = "0.2.0"


class NCLandscapeError(RuntimeError):
    """The toolkit refused the input or failed; the message is its own one-line error."""


_chosen_binary = None


def set_binary(path):
    """Use this ``nclandscape`` executable from now on (after ``binary=`` and ``$NCLANDSCAPE_BIN``).

    ``set_binary(None)`` forgets the choice. A path that is not an executable file is refused now,
    not at the first call.
    """
    global _chosen_binary
    if path is None:
        _chosen_binary = None
        return
    path = os.path.abspath(os.path.expanduser(str(path)))
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise NCLandscapeError(f"set_binary: {path} is not an executable file")
    _chosen_binary = path


def checkout():
    """The NCLandscape checkout this package belongs to, or None.

    Imported from the checkout's ``python/`` folder it is that folder's parent; installed with
    ``pip install ./python`` it is the checkout recorded at install time (``_checkout.py``).
    """
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    candidates = [os.path.dirname(here)]
    try:
        from ._checkout import CHECKOUT  # written by setup.py's build step
        candidates.append(CHECKOUT)
    except ImportError:
        pass
    for c in candidates:
        if c and os.path.isfile(os.path.join(c, "Package.swift")) and os.path.isdir(os.path.join(c, "Sources", "nclandscape")):
            return c
    return None


def _executable(path):
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def find_binary(binary=None):
    """Path of the ``nclandscape`` executable (see the module documentation for the order)."""
    if binary is not None:            # an explicit choice never falls back to another binary
        if _executable(binary):
            return binary
        raise NCLandscapeError(f"cannot find the nclandscape binary at {binary}")
    env = os.environ.get("NCLANDSCAPE_BIN")
    if env:                           # a named binary is a choice too: never run another one instead
        if _executable(env):
            return env
        raise NCLandscapeError(f"NCLANDSCAPE_BIN names {env}, which is not an executable file")
    if _chosen_binary is not None:
        return _chosen_binary
    root = checkout()
    if root:
        for sub in ("release", "debug"):
            c = os.path.join(root, ".build", sub, "nclandscape")
            if _executable(c):
                return c
    on_path = shutil.which("nclandscape")
    if on_path:
        return on_path
    where = f"cd {root} && swift build -c release" if root else "swift build -c release in the NCLandscape checkout"
    raise NCLandscapeError(
        f"cannot find the nclandscape binary: build it ({where}), or call nclandscape.set_binary('/path/to/nclandscape'), "
        "or set NCLANDSCAPE_BIN, or put nclandscape on PATH")


def _array(x, name, dtype):
    """A contiguous NumPy array from NumPy, PyTorch (detached, on the CPU) or anything with __array__."""
    if hasattr(x, "detach"):          # torch.Tensor: leave the autograd graph and the device
        x = x.detach()
        if hasattr(x, "cpu"):
            x = x.cpu()
    try:
        a = np.asarray(x)
    except Exception as e:            # noqa: BLE001 - report what could not be converted
        raise NCLandscapeError(f"{name}: cannot convert {type(x).__name__} to an array ({e})") from e
    if dtype == "float":
        if a.dtype.kind not in "fiu":
            raise NCLandscapeError(f"{name}: expected numbers, got dtype {a.dtype}")
        a = a.astype(np.float64 if a.dtype != np.float32 else np.float32, copy=False)
    else:
        if a.dtype.kind == "f":
            if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
                raise NCLandscapeError(f"{name}: labels must be integers")
        elif a.dtype.kind not in "iu":
            raise NCLandscapeError(f"{name}: expected integer labels, got dtype {a.dtype}")
        a = a.astype(np.int64)
    return np.ascontiguousarray(a)


class _Run:
    """A temporary folder for one call: arrays saved there are named back to the user's
    arguments in error messages (``H`` instead of ``/tmp/nclandscape-x1y2/H.npy``)."""

    def __init__(self, binary):
        self.binary = binary
        self.names = {}

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="nclandscape-")
        self.folder = self._tmp.name
        return self

    def __exit__(self, *exc):
        self._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.folder, name)

    def save(self, W=None, H=None, y=None):
        args = []
        for name, arr, flag, kind, what in (("W", W, "--classifiers", "float", "the classifiers array W"),
                                            ("H", H, "--features", "float", "the features array H"),
                                            ("y", y, "--labels", "int", "the labels array y")):
            if arr is None:
                continue
            a = _array(arr, name, kind)
            path = self.path(name + ".npy")
            np.save(path, a)
            self.names[path] = what
            args += [flag, path]
        return args

    def point_file(self, W, H, y, tau, label_smoothing, loss, params):
        """A point JSON for commands that take one (escape): unit rows are required there."""
        w, h, labels = _array(W, "W", "float").astype(np.float64), _array(H, "H", "float").astype(np.float64), _array(y, "y", "int")
        spec = {"kind": loss, **{k: float(v) for k, v in params.items()}}
        if w.ndim != 2 or h.ndim != 2 or w.shape[1] != h.shape[1]:
            raise NCLandscapeError(f"W and H must be 2-D with the same number of columns d (got {w.shape} and {h.shape})")
        point = {"K": int(w.shape[0]), "d": int(w.shape[1]), "tau": float(tau), "labelSmoothing": float(label_smoothing),
                 "loss": spec, "labels": [int(v) for v in labels], "classifiers": w.tolist(), "features": h.tolist()}
        path = self.path("point.json")
        with open(path, "w") as f:
            json.dump(point, f)
        self.names[path] = "the point (W, H, y)"
        return path

    def __call__(self, args, parse_json=True):
        exe = find_binary(self.binary)
        proc = subprocess.run([exe] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            message = proc.stderr.strip().splitlines()
            text = message[0] if message else f"nclandscape exited with status {proc.returncode}"
            text = text[len("Error: "):] if text.startswith("Error: ") else text
            raise NCLandscapeError(self._rename(text))
        if not parse_json:
            return proc.stdout
        try:
            return _floats(json.loads(proc.stdout))
        except json.JSONDecodeError as e:
            raise NCLandscapeError(f"nclandscape printed no JSON ({e}); output began: {proc.stdout[:200]!r}") from e

    def _rename(self, text):
        # Longest paths first, so that a folder does not pre-empt the files inside it.
        for path, what in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(path, what)
        return text.replace(self.folder + "/", "").replace(self.folder, "(temporary folder)")


# The toolkit writes non-finite numbers as the strings "NaN", "Infinity" and "-Infinity" (JSON
# has no literal for them); a caller computing with the result needs floats, not strings.
_NONFINITE = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def _floats(value):
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    if isinstance(value, str) and value in _NONFINITE:
        return _NONFINITE[value]
    return value


def _num(x):
    return repr(float(x))


_registries = {}


def losses(binary=None):
    """The normalized model's losses, as the binary's registry lists them (``nclandscape losses
    --json``): a list of dicts with ``kind``, ``summary`` (the formula), ``parameters`` (each with
    ``key``, ``defaultValue``, ``minimum``, ``maximum``, ``help``), ``acceptsLabelSmoothing`` and
    ``defaultName``. A loss's parameters are keyword arguments of every function that takes
    ``loss=``, by their keys (``nclandscape.verify(loss="focal", gamma=1)``).
    """
    exe = find_binary(binary)
    if exe not in _registries:
        with _Run(exe) as run:
            _registries[exe] = run(["losses", "--json"])
    return _registries[exe]


def _loss_parameters(binary, function, given):
    """The keyword arguments that are loss parameters (None: not given). A key no loss of the
    registry takes is refused here, so that a misspelt argument is not swallowed."""
    params = {k: v for k, v in given.items() if v is not None}
    if params:
        keys = {p["key"] for entry in losses(binary) for p in entry["parameters"]}
        unknown = sorted(set(params) - keys)
        if unknown:
            raise TypeError(f"{function}() got unexpected keyword argument(s) {', '.join(unknown)} "
                            f"(the losses' parameters are {', '.join(sorted(keys))}; see nclandscape.losses())")
    return params


def _loss_args(loss, params, values=_num):
    args = ["--loss", loss]
    for k in sorted(params):
        args += ["--loss-parameter", f"{k}={values(params[k])}"]
    return args


def _model_args(tau, label_smoothing, loss, params):
    if tau is None:
        raise NCLandscapeError("tau is required: give the temperature (logit scale) the network was trained with")
    return ["--tau", _num(tau), "--label-smoothing", _num(label_smoothing)] + _loss_args(loss, params)


def _read_csv(path):
    """A CSV the toolkit wrote, as a dict of NumPy arrays (numeric columns) or lists (text)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for key in (rows[0].keys() if rows else []):
        col = [r[key] for r in rows]
        try:
            out[key] = np.array([float(v) if v != "" else np.nan for v in col])
        except ValueError:
            out[key] = col
    return out


_GEOMETRY = ("equinorm", "equiangularity", "maxAngle", "etfDistance")
_NEEDS_W = ("nc3SelfDualityCentred", "nc3GramUncentred", "accuracy", "cosineAccuracy", "nc4NCCAgreement")


def _metrics_floats(m):
    """NC metrics with every quantity a float: those that need W are NaN without it."""
    m = dict(m)
    m.pop("schemaVersion", None)
    if m.get("nc2Classifiers") is None:
        m["nc2Classifiers"] = {k: float("nan") for k in _GEOMETRY}
    for k in _NEEDS_W:
        if m.get(k) is None:
            m[k] = float("nan")
    return m


def metrics(H, y, W=None, normalize=False, binary=None):
    """Neural-collapse metrics NC1–NC4 (Papyan, Han & Donoho 2020) of features H and classifiers W.

    Returns a dict (definitions: ``nclandscape metrics --help`` and docs/metrics.md):
    ``nc1``; ``nc2ClassMeans`` and ``nc2Classifiers``, each a dict with ``equinorm``,
    ``equiangularity``, ``maxAngle`` and ``etfDistance`` (of the CENTRED class means, and of the
    rows of W); ``nc3SelfDualityCentred`` (Papyan's ‖W/‖W‖ − M/‖M‖‖, M the centred means),
    ``nc3GramUncentred``; ``accuracy`` (argmax of Wh), ``cosineAccuracy`` (argmax of cosines) and
    ``nc4NCCAgreement``. Quantities that need W are ``float('nan')`` without it.
    """
    with _Run(binary) as run:
        args = ["metrics"] + run.save(W=W, H=H, y=y) + ["--json"]
        if normalize:
            args.append("--normalize")
        return _metrics_floats(run(args))


def analyze(W, H, y, tau, label_smoothing=0.0, loss="cross-entropy",
            method="auto", memory_budget=None, binary=None, **loss_parameters):
    """NC metrics of (W, H, y), then the landscape check at the normalized point.

    ``tau`` is required: the temperature (logit scale s of a cosine classifier's s·cos θ) the
    network was trained with. Returns a dict: ``nc`` and ``ncNormalized`` (as ``metrics``),
    ``lossValue``, ``optimalLoss``, ``riemannianGradientNorm``, ``lambdaMin``, ``index``,
    ``classification``, ``distanceToCollapse`` (NaN with ``distanceToCollapseUnavailable``
    saying why), the model and the method used. ``method`` is ``auto``, ``dense``, ``reduced``
    or ``lanczos``.
    """
    params = _loss_parameters(binary, "analyze", loss_parameters)
    with _Run(binary) as run:
        args = ["analyze"] + run.save(W=W, H=H, y=y) + _model_args(tau, label_smoothing, loss, params)
        args += ["--method", method, "--json"]
        if memory_budget is not None:
            args += ["--memory-budget", _num(memory_budget)]
        r = run(args)
        for key in ("nc", "ncNormalized"):
            if key in r:
                r[key] = _metrics_floats(r[key])
        for key in ("lossValue", "optimalLoss", "riemannianGradientNorm", "lambdaMin", "distanceToCollapse", "distanceToCollapsePerColumn"):
            if r.get(key) is None:
                r[key] = float("nan")
        return r


def spectrum(W, H, y, tau, label_smoothing=0.0, loss="cross-entropy",
             method="auto", normalize=False, polish=False, top=0, eigenvectors=0, certify="auto", binary=None, **loss_parameters):
    """Riemannian Hessian spectrum and class of the point (W, H) on the product of spheres.

    Rows must have unit norm unless ``normalize=True``. ``polish=True`` runs Riemannian Newton
    first (``polishDisplacement`` then says how far each column moved). ``top=k`` adds the k
    largest eigenpairs (``topEigenvalues``, ``topResiduals``, λ_max first). Returns the
    toolkit's summary with ``eigenvalues`` as a NumPy array (all of them for dense/reduced, the
    extreme ones for Lanczos: see ``eigenvaluesComplete``).
    """
    params = _loss_parameters(binary, "spectrum", loss_parameters)
    with _Run(binary) as run:
        args = ["spectrum"] + run.save(W=W, H=H, y=y) + _model_args(tau, label_smoothing, loss, params)
        args += ["--method", method, "--certify", certify, "--json", "--top", str(int(top)), "--eigenvectors", str(int(eigenvectors))]
        if normalize:
            args.append("--normalize")
        if polish:
            args.append("--polish")
        r = run(args)
        r["eigenvalues"] = np.asarray(r["eigenvalues"], dtype=float)
        top_pairs = r.get("topEigenpairs", [])
        r["topEigenvalues"] = np.array([p["eigenvalue"] for p in top_pairs], dtype=float)
        r["topResiduals"] = np.array([np.nan if p.get("residual") is None else p["residual"] for p in top_pairs], dtype=float)
        return r


def density(W, H, y, tau, label_smoothing=0.0, loss="cross-entropy",
            probes=10, steps=80, seed=0, kernel_width=None, normalize=False, out=None, binary=None, **loss_parameters):
    """Eigenvalue density of the Riemannian Hessian by stochastic Lanczos quadrature.

    Returns the summary (``traceEstimate``, ``negativeCount`` with its interval, …) plus NumPy
    arrays ``grid``, ``density``, ``cdf``, ``cdfLower``, ``cdfUpper``. ``out`` keeps the report
    folder (density.csv/.svg, report.md); by default it is written to a temporary folder and removed.
    """
    params = _loss_parameters(binary, "density", loss_parameters)
    with _Run(binary) as run:
        folder = out if out is not None else run.path("density")
        args = ["spectrum"] + run.save(W=W, H=H, y=y) + _model_args(tau, label_smoothing, loss, params)
        args += ["--method", "density", "--probes", str(int(probes)), "--steps", str(int(steps)), "--seed", str(int(seed)),
                 "--out", folder, "--json"]
        if kernel_width is not None:
            args += ["--kernel-width", _num(kernel_width)]
        if normalize:
            args.append("--normalize")
        r = run(args)
        table = _read_csv(os.path.join(folder, "density.csv"))
        r.update(grid=table["lambda"], density=table["density"], cdf=table["cdf"], cdfLower=table["cdfLower"], cdfUpper=table["cdfUpper"])
        return r


def slice(W, H, y, tau, label_smoothing=0.0, loss="cross-entropy",
          directions=("lambda-min", "random"), span=0.5, grid=41, seed=0, method="auto", normalize=False, out=None, binary=None, **loss_parameters):
    """Loss along geodesics from the point: 1-D curves per direction and a 2-D map for two directions.

    Returns the toolkit's summary; every list of numbers inside ``curves`` (and the 2-D map) is a
    NumPy array. ``out`` keeps the report folder (SVG, CSV); by default it is temporary.
    """
    params = _loss_parameters(binary, "slice", loss_parameters)
    with _Run(binary) as run:
        folder = out if out is not None else run.path("slice")
        dirs = directions if isinstance(directions, str) else ",".join(directions)
        args = ["slice"] + run.save(W=W, H=H, y=y) + _model_args(tau, label_smoothing, loss, params)
        args += ["--directions", dirs, "--span", _num(span), "--grid", str(int(grid)), "--seed", str(int(seed)),
                 "--method", method, "--out", folder, "--json"]
        if normalize:
            args.append("--normalize")
        return _arrays(run(args))


def _arrays(value):
    """Lists of numbers (and lists of such lists) become NumPy arrays, recursively."""
    if isinstance(value, dict):
        return {k: _arrays(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return np.asarray(value, dtype=float)
        if value and all(isinstance(v, list) and v and all(isinstance(u, (int, float)) for u in v) for v in value) \
                and len({len(v) for v in value}) == 1:
            return np.asarray(value, dtype=float)
        return [_arrays(v) for v in value]
    return value


def _search_args(K, d, n, counts, tau, label_smoothing, loss, params, starts, seed, method):
    args = ["--d", str(int(d)), "--tau", _num(tau), "--label-smoothing", _num(label_smoothing)] + _loss_args(loss, params)
    if counts is not None:
        args += ["--counts", ",".join(str(int(c)) for c in counts)]
    else:
        args += ["--K", str(int(K)), "--n", str(int(n))]
    if starts is not None:
        args += ["--starts", str(int(starts))]
    return args + ["--seed", str(int(seed)), "--method", method]


def verify(K=4, d=5, n=3, tau=2.0, counts=None, label_smoothing=0.0, loss="cross-entropy",
           starts=None, seed=0, method="auto", jobs=None, certify=True, out=None, force=False, resume=False, binary=None, **loss_parameters):
    """The main job on the unconstrained feature model: enumerate critical points, classify each,
    and give the verdict (``benign``, ``spurious_minimum_found`` or ``inconclusive``).

    Returns the summary dict with ``points``, the list of distinct critical points (each with its
    class, loss, index, λ_min, NC metrics). ``starts=None`` is the adaptive coverage mode.
    ``out`` keeps the report folder; by default it is temporary. An ``out`` that already holds a
    run is refused unless ``force=True`` (start over) or ``resume=True`` (continue it).
    """
    params = _loss_parameters(binary, "verify", loss_parameters)
    with _Run(binary) as run:
        folder = out if out is not None else run.path("verify")
        args = ["verify"] + _search_args(K, d, n, counts, tau, label_smoothing, loss, params, starts, seed, method)
        args += ["--out", folder, "--json"]
        if jobs is not None:
            args += ["--jobs", str(int(jobs))]
        if not certify:
            args.append("--no-certify")
        if force:
            args.append("--force")
        if resume:
            args.append("--resume")
        r = run(args)
        with open(os.path.join(folder, "critical_points.json")) as f:
            r["points"] = _floats(json.load(f))
        return r


def escape(W=None, H=None, y=None, tau=None, label_smoothing=0.0, loss="cross-entropy",
           start=None, K=4, d=5, n=3, point=None, point_id=None, radii=(1e-2, 1e-3, 1e-4), seeds=5, seed=0, step=0.5,
           optimizer="gd", directions=None, jobs=None, out=None, binary=None, **loss_parameters):
    """Escape from a saddle: perturbations of radius r, the iterations until the loss drops, the
    measured against the predicted slope, and where the runs end.

    The saddle is (W, H, y) at ``tau`` (unit rows), or a named ``start`` (``total``, ``anti``,
    ``etf``) of the model K, d, n, tau, or ``point`` (a point JSON or critical_points.json with
    ``point_id``). Returns the summary dict with ``runs`` (the per-run table as NumPy arrays).
    """
    params = _loss_parameters(binary, "escape", loss_parameters)
    with _Run(binary) as run:
        folder = out if out is not None else run.path("escape")
        args = ["escape"]
        if W is not None or H is not None or y is not None:
            if W is None or H is None or y is None:
                raise NCLandscapeError("escape from arrays needs W, H and y")
            args += ["--point", run.point_file(W, H, y, tau if tau is not None else _missing_tau(), label_smoothing, loss, params)]
        elif point is not None:
            args += ["--point", str(point)] + (["--id", str(int(point_id))] if point_id is not None else [])
        else:
            args += ["--from", start or "total", "--K", str(int(K)), "--d", str(int(d)), "--n", str(int(n))]
            args += _model_args(tau if tau is not None else 2.0, label_smoothing, loss, params)
        args += ["--radii", ",".join(_num(r) for r in radii), "--seeds", str(int(seeds)), "--seed", str(int(seed)),
                 "--step", _num(step), "--optimizer", optimizer, "--out", folder, "--json"]
        if directions is not None:
            args += ["--directions", directions if isinstance(directions, str) else ",".join(directions)]
        if jobs is not None:
            args += ["--jobs", str(int(jobs))]
        r = run(args)
        r["runs"] = _read_csv(os.path.join(folder, "runs.csv"))
        return r


def _missing_tau():
    raise NCLandscapeError("tau is required: give the temperature (logit scale) the network was trained with")


def sweep(out, K=(3, 4), d="2..K+2", n=(1,), tau=(2.0,), label_smoothing=(0.0,), imbalance=None, loss=None,
          starts=None, seed=0, jobs=None, certify=True, binary=None, **loss_parameters):
    """Run ``verify`` over a grid of configurations; results are appended to the JSONL file ``out``
    (resumable: finished configurations are skipped). Returns the list of result dicts in ``out``.
    Lists may be Python sequences or the toolkit's text (``d="2..K+2"``). ``loss`` lists kinds
    (``nclandscape.losses()``); each loss parameter is a list of values by its key
    (``gamma=(1, 2)``), a loss whose parameter has no list runs at its default.
    """
    params = _loss_parameters(binary, "sweep", loss_parameters)
    def lst(v):
        return v if isinstance(v, str) else ",".join(str(x) for x in v)

    with _Run(binary) as run:
        args = ["sweep", "--K", lst(K), "--d", lst(d), "--n", lst(n), "--tau", lst(tau), "--label-smoothing", lst(label_smoothing),
                "--seed", str(int(seed)), "--out", str(out)]
        if imbalance is not None:
            args += ["--imbalance", lst(imbalance)]
        if loss is not None:
            args += ["--loss", lst(loss)]
        for k in sorted(params):
            args += ["--loss-parameter", f"{k}={lst(params[k])}"]
        if starts is not None:
            args += ["--starts", str(int(starts))]
        if jobs is not None:
            args += ["--jobs", str(int(jobs))]
        if not certify:
            args.append("--no-certify")
        run(args, parse_json=False)
    with open(out) as f:
        return [_floats(json.loads(line)) for line in f if line.strip()]


def phase(results, out, where=None, binary=None):
    """Phase diagrams (SVG heat maps by verdict, phase.md) of a sweep's JSONL file ``results``,
    written to the folder ``out``. ``where`` is a dict or list of ``key=value`` selectors.
    Returns the list of files in ``out``.
    """
    with _Run(binary) as run:
        args = ["phase", str(results), "--out", str(out)]
        selectors = [f"{k}={v}" for k, v in where.items()] if isinstance(where, dict) else list(where or [])
        for s in selectors:
            args += ["--where", s]
        run(args, parse_json=False)
    return sorted(os.listdir(out))
