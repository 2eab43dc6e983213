#!/usr/bin/env bash
# Structured-method benchmarks (issue 7), release build, one run:
#   reduced vs dense at K=10, d=11, n=30 (m = 3100): same spectrum, speed-up;
#   reduced at K=10, d=16, n=1e4 (N = 1e5): complete spectrum and class;
#   structured inertia at K=10, d=16, n=1000 (m ≈ 1.5e5): exact index;
#   one Hessian-vector product at K=100, d=128, n=100 against one WᵀH gemm (same run);
#   Lanczos at K=100, d=128, n=100 (m ≈ 1.3e6): λ_min and class at a random point and at a
#   non-collapsed strict saddle, with the number of Hessian-vector products;
#   the same saddle perturbed (tangent noise 1e-3) and re-polished by Newton–MINRES, then Lanczos.
# Usage: ./scripts/bench-scale.sh [parts]   (parts: reduced-vs-dense,reduced-large,inertia,operator,lanczos)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product nclandscape >&2
exec .build/release/nclandscape bench --suite scale --parts "${1:-reduced-vs-dense,reduced-large,inertia,operator,lanczos,polish}"
