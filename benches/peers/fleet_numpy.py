#!/usr/bin/env python3
"""The fleet benchmark model (benches/fleet.toml) in idiomatic, fully vectorised numpy.

A peer for costsim's speed comparison (benches/peers/run.sh), not part of the product.

    python fleet_numpy.py N [SEED]

Draws N samples with numpy.random.default_rng(SEED) (PCG64), in batches of 10^6 so
the 20 inputs' arrays stay bounded; the 4 outputs are kept whole (4 x 8 bytes per
sample: 320 MB at 10^7) because numpy's percentile needs every value. Prints one JSON
line: samples/second (sampling + percentiles, after imports) and p1 p5 p25 p50 p75 p95
p99 of capex, opex, tco, cost_per_gpu_hour. Percentiles use method="lower": the order
statistic of rank floor(p/100 * (n - 1)), costsim's definition.

Distributions as in fleet.toml:
  pert(a, m, b)        a + (b - a) * beta(1 + 4(m - a)/(b - a), 1 + 4(b - m)/(b - a))
  A to B               lognormal, mu = (ln A + ln B)/2, sigma = (ln B - ln A)/(2 * 1.6448536...)
  uniform, normal, triangular(min, mode, max), beta, gamma(shape, scale)
  lognormal(mu, sigma) numpy's lognormal(mean=mu, sigma=sigma)
  loguniform(a, b)     exp(uniform(ln a, ln b)) (numpy has no loguniform)
"""

import json
import math
import sys
import time

import numpy as np

Z95 = 1.6448536269514722
BATCH = 1_000_000
PERCENTILES = [1, 5, 25, 50, 75, 95, 99]
OUTPUTS = ["capex", "opex", "tco", "cost_per_gpu_hour"]


def to(a, b):
    """(mu, sigma) of the lognormal whose 5th and 95th percentiles are a and b."""
    return (math.log(a) + math.log(b)) / 2, (math.log(b) - math.log(a)) / (2 * Z95)


def pert(rng, a, m, b, n):
    r = b - a
    return a + r * rng.beta(1 + 4 * (m - a) / r, 1 + 4 * (b - m) / r, n)


def lognorm_ci(rng, a, b, n):
    mu, sigma = to(a, b)
    return rng.lognormal(mu, sigma, n)


def fleet(rng, n):
    """One batch of n samples: the 4 outputs."""
    n_a = pert(rng, 2048, 8000, 12000, n)
    n_b = pert(rng, 0, 5000, 12000, n)
    n_c = pert(rng, 0, 15000, 35000, n)
    n_d = pert(rng, 9000, 11000, 12000, n)
    p_a = lognorm_ci(rng, 30e3, 55e3, n)
    p_b = lognorm_ci(rng, 30e3, 60e3, n)
    p_c = lognorm_ci(rng, 12e3, 22e3, n)
    p_d = lognorm_ci(rng, 12e3, 20e3, n)
    net = rng.uniform(1.10, 1.25, n)
    life = rng.triangular(3, 4, 6, n)  # an input no formula uses (drawn, as costsim does)
    power_kw = rng.normal(1.2, 0.1, n)
    pue = pert(rng, 1.15, 1.3, 1.6, n)
    kwh_price = lognorm_ci(rng, 0.06, 0.12, n)
    util = rng.beta(8, 3, n)
    staff = pert(rng, 120, 160, 220, n)
    pay = lognorm_ci(rng, 60e3, 300e3, n)
    years = rng.uniform(3, 5, n)
    ops_overhead = rng.lognormal(-1.5, 0.3, n)
    failures = rng.gamma(2, 0.01, n)
    spares = np.exp(rng.uniform(math.log(0.01), math.log(0.05), n))
    del life

    gpus = n_a + n_b + n_c + n_d
    capex = (n_a * p_a + n_b * p_b + n_c * p_c + n_d * p_d) * net * (1 + spares)
    hours = gpus * 8766 * years * util
    energy = hours * power_kw * pue * kwh_price
    people = staff * pay * years
    repair = capex * failures * years
    opex = energy + people + repair + energy * ops_overhead
    tco = capex + opex
    cost_per_gpu_hour = tco / hours
    return capex, opex, tco, cost_per_gpu_hour


def main():
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    out = np.empty((len(OUTPUTS), n))
    for first in range(0, n, BATCH):
        m = min(BATCH, n - first)
        for k, values in enumerate(fleet(rng, m)):
            out[k, first : first + m] = values
    q = np.percentile(out, PERCENTILES, axis=1, method="lower")
    means = out.mean(axis=1)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "tool": "numpy",
                "version": np.__version__,
                "samples": n,
                "seed": seed,
                "seconds": seconds,
                "samples_per_second": n / seconds,
                "percentiles": {
                    name: {f"p{p}": float(q[i, k]) for i, p in enumerate(PERCENTILES)}
                    for k, name in enumerate(OUTPUTS)
                },
                "mean": {name: float(means[k]) for k, name in enumerate(OUTPUTS)},
            }
        )
    )


if __name__ == "__main__":
    main()
