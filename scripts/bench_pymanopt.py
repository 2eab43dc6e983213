"""Peer baseline for scripts/bench-search.sh: pymanopt's TrustRegions (autograd backend) from S
random points on the product of spheres, the same normalized UFM cross-entropy problem as
nclandscape's descent starts. Prints the mean seconds per start on the last line."""
import sys, time
import autograd.numpy as anp
import numpy as np
import pymanopt
from pymanopt.manifolds import Oblique, Product
from pymanopt.optimizers import TrustRegions

K, d, n, tau, starts = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
N = n * K
labels = np.repeat(np.arange(K), n)
Y = np.zeros((K, N)); Y[labels, np.arange(N)] = 1
manifold = Product([Oblique(d, K), Oblique(d, N)])

@pymanopt.function.autograd(manifold)
def cost(W, H):
    Z = tau * anp.dot(W.T, H)
    m = anp.max(Z, axis=0)
    lse = m + anp.log(anp.sum(anp.exp(Z - m), axis=0))
    return anp.mean(lse - anp.sum(Y * Z, axis=0))

problem = pymanopt.Problem(manifold, cost)
opt = TrustRegions(verbosity=0, min_gradient_norm=1e-10, max_iterations=1000)
rng = np.random.default_rng(0)
t0 = time.perf_counter()
losses = []
for s in range(starts):
    x0 = manifold.random_point()
    r = opt.run(problem, initial_point=x0)
    losses.append(r.cost)
per = (time.perf_counter() - t0) / starts
print(f"pymanopt TrustRegions: {starts} starts, lowest loss {min(losses):.10g}, {per * 1e3:.2f} ms per start")
print(per)
