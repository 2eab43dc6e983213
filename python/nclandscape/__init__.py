"""Python entry point to the NCLandscape toolkit.

Every function writes its arrays to ``.npy`` files in a temporary folder, runs the
``nclandscape`` binary with ``--json`` and returns the parsed JSON as a ``dict``. The binary
is found, in this order, at ``binary=...``, ``$NCLANDSCAPE_BIN``, on ``PATH``, or as
``.build/release/nclandscape`` / ``.build/debug/nclandscape`` in the current directory or one
of its parents (a checkout of the toolkit). A ``binary=`` or ``$NCLANDSCAPE_BIN`` that names no
executable file is an error, never a reason to run another binary. Non-finite numbers in the
toolkit's JSON (written as "NaN", "Infinity") come back as Python floats.

Arrays are rows-are-vectors, as a network produces them: ``W`` is ``K × d`` (the last layer's
weight), ``H`` is ``N × d`` (penultimate features), ``y`` holds ``N`` integer labels.
"""

import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

__all__ = ["analyze", "metrics", "spectrum", "NCLandscapeError", "find_binary"]
__version__ = "0.1.0"


class NCLandscapeError(RuntimeError):
    """The toolkit refused the input or failed; the message is its own one-line error."""


def find_binary(binary=None):
    """Path of the ``nclandscape`` executable (see the module documentation for the order)."""
    if binary is not None:            # an explicit choice never falls back to another binary
        if os.path.isfile(binary) and os.access(binary, os.X_OK):
            return binary
        raise NCLandscapeError(f"cannot find the nclandscape binary at {binary}")
    env = os.environ.get("NCLANDSCAPE_BIN")
    if env:                           # a named binary is a choice too: never run another one instead
        if os.path.isfile(env) and os.access(env, os.X_OK):
            return env
        raise NCLandscapeError(f"NCLANDSCAPE_BIN names {env}, which is not an executable file")
    candidates = [shutil.which("nclandscape")]
    here = os.path.abspath(os.getcwd())
    while True:
        for sub in ("release", "debug"):
            candidates.append(os.path.join(here, ".build", sub, "nclandscape"))
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise NCLandscapeError(
        "cannot find the nclandscape binary: build it (./scripts/run.sh), then set NCLANDSCAPE_BIN "
        "or put it on PATH")


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


def _run(args, binary):
    exe = find_binary(binary)
    proc = subprocess.run([exe] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        message = proc.stderr.strip().splitlines()
        text = message[0] if message else f"nclandscape exited with status {proc.returncode}"
        raise NCLandscapeError(text[len("Error: "):] if text.startswith("Error: ") else text)
    try:
        return _floats(json.loads(proc.stdout))
    except json.JSONDecodeError as e:
        raise NCLandscapeError(f"nclandscape printed no JSON ({e}); output began: {proc.stdout[:200]!r}") from e


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


def _loss_args(loss, gamma, margin):
    args = ["--loss", loss]
    if gamma is not None:
        args += ["--gamma", repr(float(gamma))]
    if margin is not None:
        args += ["--margin", repr(float(margin))]
    return args


def _save(folder, W=None, H=None, y=None):
    args = []
    for name, arr, flag, kind in (("W", W, "--classifiers", "float"), ("H", H, "--features", "float"), ("y", y, "--labels", "int")):
        if arr is None:
            continue
        a = _array(arr, name, kind)
        path = os.path.join(folder, name + ".npy")
        np.save(path, a)
        args += [flag, path]
    return args


def analyze(W, H, y, tau=2.0, label_smoothing=0.0, loss="cross-entropy", gamma=None, margin=None,
            method="auto", memory_budget=None, binary=None):
    """Neural-collapse metrics of (W, H, y), then the landscape check at the normalized point.

    Returns the toolkit's JSON: ``nc`` and ``ncNormalized`` (NC1–NC3, accuracy), ``lossValue``,
    ``riemannianGradientNorm``, ``lambdaMin``, ``index``, ``classification``,
    ``distanceToCollapse``, the model description and the method used.
    ``method`` is ``auto``, ``dense``, ``reduced`` or ``lanczos``.
    """
    with tempfile.TemporaryDirectory(prefix="nclandscape-") as folder:
        args = ["analyze"] + _save(folder, W=W, H=H, y=y)
        args += ["--tau", repr(float(tau)), "--label-smoothing", repr(float(label_smoothing)), "--method", method, "--json"]
        args += _loss_args(loss, gamma, margin)
        if memory_budget is not None:
            args += ["--memory-budget", repr(float(memory_budget))]
        return _run(args, binary)


def metrics(H, y, W=None, normalize=False, binary=None):
    """NC1, NC2, NC3, accuracy and nearest-class-center agreement of features H (and classifiers W)."""
    with tempfile.TemporaryDirectory(prefix="nclandscape-") as folder:
        args = ["metrics"] + _save(folder, W=W, H=H, y=y) + ["--json"]
        if normalize:
            args.append("--normalize")
        return _run(args, binary)


def spectrum(W, H, y, tau=2.0, label_smoothing=0.0, loss="cross-entropy", gamma=None, margin=None,
             method="auto", normalize=False, polish=False, binary=None):
    """Riemannian Hessian spectrum and class of the point (W, H) on the product of spheres.

    Columns must have unit norm unless ``normalize=True``. ``polish=True`` runs Riemannian Newton first.
    """
    with tempfile.TemporaryDirectory(prefix="nclandscape-") as folder:
        args = ["spectrum"] + _save(folder, W=W, H=H, y=y)
        args += ["--tau", repr(float(tau)), "--label-smoothing", repr(float(label_smoothing)), "--method", method, "--json"]
        args += _loss_args(loss, gamma, margin)
        if normalize:
            args.append("--normalize")
        if polish:
            args.append("--polish")
        return _run(args, binary)
