#!/usr/bin/env python3
"""The fleet benchmark model (benches/fleet.toml) in squigglepy.

A peer for costsim's speed comparison (benches/peers/run.sh), not part of the product.

    python fleet_squigglepy.py N [SEED] [--form arrays|algebra|callable]

Prints one JSON line: samples/second (after imports) and p1 p5 p25 p50 p75 p95 p99 of
capex, opex, tco, cost_per_gpu_hour (numpy percentiles, method="lower": costsim's
order-statistic definition). Seeded with sq.set_seed(SEED) (numpy's PCG64 underneath).

Three forms of the same model:

  arrays   (default; the one in the comparison table) Every input is drawn vectorised
           with sq.sample(dist, n=...), the formulas are numpy arithmetic on the arrays,
           in batches of 10^6 samples. The fastest form that is the fleet model: each
           input is drawn once per sample and every formula sees that draw.
  algebra  The formulas written as squigglepy distribution arithmetic (capex = ...,
           sq.sample(capex, n=...)). Vectorised and idiomatic, but squigglepy re-draws
           a distribution at every place it is used (sample() recurses into each
           operand), so an input or intermediate used twice (years, energy, hours,
           capex in tco ...) is two independent draws: opex, tco and cost_per_gpu_hour
           come out as a different model. Measured only to show that.
  callable sq.sample(model_fn, n=...) with model_fn using ~dist (one draw each), the
           README's way to write a model with shared intermediates: correct, but a
           Python loop over samples.

Substitutions (squigglepy has no loguniform): loguniform(a, b) is
exp(uniform(ln a, ln b)) (np.exp in arrays, math.exp in callable, and in algebra
sq.dist_fn(d, fn=np.exp): sq.dist_exp uses math.exp and fails on arrays).
lognormal(mu, sigma) is sq.lognorm(norm_mean=mu, norm_sd=sigma); `A to B` is sq.to(A, B)
(a lognormal with that 90% interval, as in costsim); pert is sq.pert (lam = 4, the
beta-PERT costsim uses); gamma(shape, scale) is sq.gamma(shape, scale).
"""

import json
import math
import sys
import time

import numpy as np
import squigglepy as sq

BATCH = 1_000_000
PERCENTILES = [1, 5, 25, 50, 75, 95, 99]
OUTPUTS = ["capex", "opex", "tco", "cost_per_gpu_hour"]


def inputs():
    """The 20 inputs, in file order."""
    return {
        "n_a": sq.pert(2048, 8000, 12000),
        "n_b": sq.pert(0, 5000, 12000),
        "n_c": sq.pert(0, 15000, 35000),
        "n_d": sq.pert(9000, 11000, 12000),
        "p_a": sq.to(30e3, 55e3),
        "p_b": sq.to(30e3, 60e3),
        "p_c": sq.to(12e3, 22e3),
        "p_d": sq.to(12e3, 20e3),
        "net": sq.uniform(1.10, 1.25),
        "life": sq.triangular(3, 4, 6),
        "power_kw": sq.norm(mean=1.2, sd=0.1),
        "pue": sq.pert(1.15, 1.3, 1.6),
        "kwh_price": sq.to(0.06, 0.12),
        "util": sq.beta(8, 3),
        "staff": sq.pert(120, 160, 220),
        "pay": sq.to(60e3, 300e3),
        "years": sq.uniform(3, 5),
        "ops_overhead": sq.lognorm(norm_mean=-1.5, norm_sd=0.3),
        "failures": sq.gamma(2, 0.01),
        # no sq.loguniform: exp of a uniform on the log scale
        "log_spares": sq.uniform(math.log(0.01), math.log(0.05)),
    }


def formulas(v, exp):
    """The 10 formulas over the inputs' values (arrays, scalars or distributions)."""
    spares = exp(v["log_spares"])
    gpus = v["n_a"] + v["n_b"] + v["n_c"] + v["n_d"]
    capex = (
        (v["n_a"] * v["p_a"] + v["n_b"] * v["p_b"] + v["n_c"] * v["p_c"] + v["n_d"] * v["p_d"])
        * v["net"]
        * (1 + spares)
    )
    hours = gpus * 8766 * v["years"] * v["util"]
    energy = hours * v["power_kw"] * v["pue"] * v["kwh_price"]
    people = v["staff"] * v["pay"] * v["years"]
    repair = capex * v["failures"] * v["years"]
    opex = energy + people + repair + energy * v["ops_overhead"]
    tco = capex + opex
    cost_per_gpu_hour = tco / hours
    return capex, opex, tco, cost_per_gpu_hour


def run_arrays(n):
    dists = inputs()
    out = np.empty((len(OUTPUTS), n))
    for first in range(0, n, BATCH):
        m = min(BATCH, n - first)
        v = {name: sq.sample(d, n=m, verbose=False) for name, d in dists.items()}
        for k, values in enumerate(formulas(v, np.exp)):
            out[k, first : first + m] = values
    return out


def run_algebra(n):
    # sq.dist_exp applies math.exp, which fails on an array of samples (squigglepy
    # 0.30): sq.dist_fn with np.exp is its vectorised equivalent.
    model = formulas(inputs(), lambda d: sq.dist_fn(d, fn=np.exp, name="exp"))
    out = np.empty((len(OUTPUTS), n))
    for first in range(0, n, BATCH):
        m = min(BATCH, n - first)
        for k, dist in enumerate(model):
            out[k, first : first + m] = sq.sample(dist, n=m, verbose=False)
    return out


def run_callable(n):
    dists = inputs()

    def model():
        return formulas({name: ~d for name, d in dists.items()}, math.exp)

    rows = sq.sample(model, n=n, verbose=False)  # n x 4
    return np.asarray(rows, dtype=float).T


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    form = "arrays"
    if "--form" in sys.argv:
        form = sys.argv[sys.argv.index("--form") + 1]
        args.remove(form)
    n = int(float(args[0])) if args else 1_000_000
    seed = int(args[1]) if len(args) > 1 else 1
    run = {"arrays": run_arrays, "algebra": run_algebra, "callable": run_callable}[form]

    start = time.perf_counter()
    sq.set_seed(seed)
    out = run(n)
    q = np.percentile(out, PERCENTILES, axis=1, method="lower")
    means = out.mean(axis=1)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "tool": "squigglepy",
                "form": form,
                "version": sq.__version__,
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
