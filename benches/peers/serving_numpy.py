"""The serving benchmark model (benches/serving.toml) in idiomatic, fully vectorised numpy.

A peer for costsim's speed comparison (benches/peers/run.sh), not part of the product.

    python serving_numpy.py N [SEED]

Draws N samples with numpy.random.default_rng(SEED) (PCG64), in batches of 10^6 so
the 18 inputs' arrays stay bounded; the 6 outputs are kept whole (6 x 8 bytes per
sample: 480 MB at 10^7) because numpy's percentile needs every value. Prints one JSON
line like fleet_numpy.py: samples/second (sampling + percentiles, after imports), p1
p5 p25 p50 p75 p95 p99 (method="lower", costsim's order statistic), means and sds.

Distributions as in serving.toml: `A to B` is rng.lognormal(mu, sigma) with
mu = (ln A + ln B)/2, sigma = (ln B - ln A)/(2 * 1.6448536...); normal, uniform and
triangular(min, mode, max) are numpy's.
"""

import json
import math
import sys
import time

import numpy as np

Z95 = 1.6448536269514722
BATCH = 1_000_000
PERCENTILES = [1, 5, 25, 50, 75, 95, 99]
OUTPUTS = ["gpus", "capex", "opex", "tco", "annual_cost", "cost_per_mtok"]


def lognorm_ci(rng, a, b, n):
    mu = (math.log(a) + math.log(b)) / 2
    sigma = (math.log(b) - math.log(a)) / (2 * Z95)
    return rng.lognormal(mu, sigma, n)


def serving(rng, n):
    """One batch of n samples: the 6 outputs."""
    tokens_per_day = lognorm_ci(rng, 2e9, 20e9, n)
    throughput = lognorm_ci(rng, 1500, 4000, n)
    gpu_price = lognorm_ci(rng, 25e3, 40e3, n)
    kwh_price = lognorm_ci(rng, 0.05, 0.15, n)
    engineer_cost = lognorm_ci(rng, 150e3, 400e3, n)
    egress_price = lognorm_ci(rng, 0.01, 0.05, n)
    storage_tb = lognorm_ci(rng, 200, 2000, n)
    utilisation = rng.normal(0.6, 0.08, n)
    growth = rng.normal(0.3, 0.1, n)
    power_kw = rng.normal(1.0, 0.08, n)
    pue = rng.uniform(1.1, 1.4, n)
    years = rng.uniform(3, 5, n)
    network_share = rng.uniform(0.08, 0.15, n)
    discount = rng.uniform(0, 0.25, n)
    engineers = rng.uniform(8, 20, n)
    storage_price = rng.uniform(15, 30, n)
    headroom = rng.triangular(1.1, 1.3, 1.8, n)
    gb_per_mtok = rng.triangular(0.5, 1, 3, n)

    gpus = tokens_per_day * (1 + growth) * headroom / (throughput * 86400 * utilisation)
    capex = gpus * gpu_price * (1 + network_share) * (1 - discount)
    energy = gpus * power_kw * pue * 8766 * years * kwh_price
    people = engineers * engineer_cost * years
    tokens_total = tokens_per_day * 365.25 * years
    egress = tokens_total / 1e6 * gb_per_mtok * egress_price
    storage = storage_tb * storage_price * 12 * years
    opex = energy + people + egress + storage
    tco = capex + opex
    annual_cost = tco / years
    cost_per_mtok = tco / tokens_total * 1e6
    return gpus, capex, opex, tco, annual_cost, cost_per_mtok


def main():
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    out = np.empty((len(OUTPUTS), n))
    for first in range(0, n, BATCH):
        m = min(BATCH, n - first)
        for k, values in enumerate(serving(rng, m)):
            out[k, first : first + m] = values
    q = np.percentile(out, PERCENTILES, axis=1, method="lower")
    means = out.mean(axis=1)
    sds = out.std(axis=1, ddof=1)
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
                "sd": {name: float(sds[k]) for k, name in enumerate(OUTPUTS)},
            }
        )
    )


if __name__ == "__main__":
    main()
