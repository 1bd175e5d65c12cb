"""The report of benches/peers/limit.sh (WORK/runs.jsonl): times, ratios, agreement.

    python limit_report.py WORK
"""

import csv
import json
import math
import os
import sys
from collections import defaultdict

work = sys.argv[1]
runs = defaultdict(list)
for line in open(os.path.join(work, "runs.jsonl")):
    r = json.loads(line)
    runs[r["label"]].append(r)
# The models that were run (limit.sh's MODELS), in the usual order.
MODELS = [m for m in ["serving", "fleet"] if any(r["model"] == m for rs in runs.values() for r in rs)]

ALPHA = 0.0005  # both sketches' stated relative accuracy
SIGMAS = 4.0


def result(r):
    """Percentiles {output: {pK: v}}, means and sds of a run (None if it failed)."""
    if r["exit"] != 0:
        return None
    if r["tool"] == "costsim":
        rows = list(csv.DictReader(open(r["out"] + ".out")))
        return {
            "percentiles": {row["output"]: {k: float(row[k]) for k in row if k.startswith("p")} for row in rows},
            "mean": {row["output"]: float(row["mean"]) for row in rows},
            "sd": {row["output"]: float(row["sd"]) for row in rows},
        }
    return json.loads(open(r["out"] + ".out").read().strip().splitlines()[-1])


def best(label):
    ok = [r for r in runs.get(label, []) if r["exit"] == 0]
    if not ok:
        return None
    r = dict(min(ok, key=lambda r: r["wall_ns"]))
    r["seconds"] = r["wall_ns"] / 1e9
    r["all"] = sorted(x["wall_ns"] / 1e9 for x in ok)
    r["cpu_all"] = sorted(x["cpu_s"] for x in ok)
    r["res"] = result(r)
    return r


def others(r):
    return max(0.0, (r.get("machine_busy_s", 0) - r.get("cpu_s", 0)) / (r["wall_ns"] / 1e9))


print(f"## Machine\n\n```\n{open(os.path.join(work, 'machine.txt')).read().strip()}\n```\n")
print(
    "Wall seconds are whole-process (start-up to exit), the fastest of the passes, with "
    "every pass's time after it; CPU s is user + system of the fastest pass; `others` is "
    "how many cores other processes kept busy during that run (0: quiet, 1: one core taken).\n"
)
print("| model | run | samples | threads | wall s (all passes) | CPU s | peak MB | others |")
print("|---|---|---:|---:|---|---:|---:|---:|")
labels = []
for m in MODELS:
    labels += [
        (m, "costsim", f"{m}-costsim-1e8"),
        (m, "independent kernel", f"{m}-indep-1e8"),
        (m, "costsim", f"{m}-costsim-1e7-t1"),
        (m, "independent kernel", f"{m}-indep-1e7-t1"),
        (m, "costsim", f"{m}-costsim-1e7"),
        (m, "numpy", f"{m}-numpy-1e7"),
    ]
if "fleet" in MODELS:
    labels.append(("fleet", "engine-sampler kernel (hand_kernel.rs)", "fleet-engine-sampler-1e8"))
for m, name, label in labels:
    r = best(label)
    if r is None:
        print(f"| {m} | {name} | | | failed or not run | | | |")
        continue
    alls = ", ".join(f"{x:.3f}" for x in r["all"])
    print(
        f"| {m} | {name} | {r['samples']:,} | {r['threads']} | **{r['seconds']:.3f}** ({alls}) | "
        f"{r['cpu_s']:.2f} | {r['peak_kb'] / 1024:.0f} | {others(r):.2f} |"
    )

print("\n## Ratios\n")
for m in MODELS:
    c8, k8 = best(f"{m}-costsim-1e8"), best(f"{m}-indep-1e8")
    c1, k1 = best(f"{m}-costsim-1e7-t1"), best(f"{m}-indep-1e7-t1")
    c7, n7 = best(f"{m}-costsim-1e7"), best(f"{m}-numpy-1e7")
    if c8 and k8:
        x = c8["seconds"] / k8["seconds"]
        print(
            f"- {m}: costsim takes **{x:.2f}x** the independent kernel's wall time at 10^8, 2 threads "
            f"(target ≤ 1.2: {'MET' if x <= 1.2 else 'MISSED'}; CPU time {c8['cpu_s'] / k8['cpu_s']:.2f}x; "
            f"others' load {others(c8):.2f} / {others(k8):.2f})"
        )
    if c1 and k1:
        print(
            f"- {m}: one thread, 10^7: costsim {c1['seconds']:.3f} s, kernel {k1['seconds']:.3f} s: "
            f"**{c1['seconds'] / k1['seconds']:.2f}x**"
        )
    if c7 and n7:
        x = n7["seconds"] / c7["seconds"]
        print(
            f"- {m}: numpy takes **{x:.1f}x** costsim's wall time at 10^7 (target ≥ 25: "
            f"{'MET' if x >= 25 else 'MISSED'}; others' load {others(c7):.2f} / {others(n7):.2f})"
        )
e8 = best("fleet-engine-sampler-1e8")
c8 = best("fleet-costsim-1e8")
if e8 and c8:
    print(
        f"- fleet: the engine-sampler kernel (costsim's own samplers, hand-written formulas) "
        f"{e8['seconds']:.3f} s: costsim takes {c8['seconds'] / e8['seconds']:.2f}x its time"
    )

print("\n## Agreement with costsim at the same sample count\n")
print(
    "A peer's value v at percentile p passes when |v − c| ≤ α·(|v| + |c|) + "
    f"{SIGMAS:g}·√2·se, with c costsim's, α = 0.05% (each sketch's stated bound; numpy's "
    "percentiles are exact), and se = √(p(1−p)/n)/f the standard error of a sample "
    "quantile, the density f estimated from costsim's neighbouring percentiles "
    "(p1, p10 around p5; p10, p50 around p25; p25, p75 around p50; p50, p90 around "
    "p75; p90, p99 around p95), which is the conservative side. Means pass within "
    f"{SIGMAS:g}·√2·sd/√n. The random streams differ, so nothing is bit-identical.\n"
)
NEIGH = {"p5": ("p1", "p10", 9), "p25": ("p10", "p50", 40), "p50": ("p25", "p75", 50), "p75": ("p50", "p90", 40), "p95": ("p90", "p99", 9)}
print("| model | peer | samples | output | worst |v−c|/tolerance over p5..p95 and mean | check |")
print("|---|---|---:|---|---:|---|")
fails = 0
checks = 0
for m in MODELS:
    for peer, label, ref in [
        ("independent kernel", f"{m}-indep-1e8", f"{m}-costsim-1e8"),
        ("independent kernel", f"{m}-indep-1e7-t1", f"{m}-costsim-1e7-t1"),
        ("numpy", f"{m}-numpy-1e7", f"{m}-costsim-1e7"),
    ] + ([("engine-sampler kernel", "fleet-engine-sampler-1e8", "fleet-costsim-1e8")] if m == "fleet" else []):
        r, c = best(label), best(ref)
        if not r or not c or not r["res"] or not c["res"]:
            continue
        n = r["samples"]
        for out, cp in c["res"]["percentiles"].items():
            pp = r["res"]["percentiles"].get(out)
            if pp is None:
                continue
            worst = 0.0
            for p, (lo, hi, width) in NEIGH.items():
                q = float(p[1:]) / 100
                f = (width / 100) / max(cp[hi] - cp[lo], 1e-300)
                se = math.sqrt(q * (1 - q) / n) / f
                tol = ALPHA * (abs(pp[p]) + abs(cp[p])) + SIGMAS * math.sqrt(2) * se
                worst = max(worst, abs(pp[p] - cp[p]) / tol)
            if "mean" in r["res"] and out in r["res"]["mean"]:
                se_m = c["res"]["sd"][out] / math.sqrt(n)
                worst = max(worst, abs(r["res"]["mean"][out] - c["res"]["mean"][out]) / (SIGMAS * math.sqrt(2) * se_m))
            checks += 1
            ok = worst <= 1.0
            fails += not ok
            print(f"| {m} | {peer} | {n:,} | {out} | {worst:.3f} | {'PASS' if ok else 'FAIL'} |")
print(f"\n{checks - fails} of {checks} checks pass.")
sys.exit(1 if fails else 0)
