"""The optimal sparsity S*(C) under real limits, against the unconstrained one.

Served on one Jetson AGX Orin 64 GB at batch 1 with a decode step of at most 50 ms: per
training budget C, the loss-minimising MoE (abnar2025 law), the limits that bind, and the
search bounds it sits on. Plots S*(C) with
matplotlib when it is installed (frontier.png), else prints the table only.

    PYTHONPATH=build/release/python /usr/bin/python3 docs/examples/frontier.py
"""
import sys

import moesim

budgets = "1e20:1e24:9"
limited = moesim.frontier(hw="jetson-agx-orin-64gb", devices=1, serve_batch=1, max_decode_latency="50 ms", budgets=budgets)
free = moesim.frontier(budgets=budgets)

print(f"{'budget':>9} {'S* free':>8} {'S* limited':>10} {'E':>5} {'K':>2} {'loss':>7}  binding / on a search bound")
for f, r in zip(free["rows"], limited["rows"]):
    if not r["feasible"]:
        print(f"{r['budget_flops']:9.2g} {f['sparsity']:8.3f} {'-':>10}  infeasible: {r['reason']}")
        continue
    # An optimum on a search bound is not an interior answer: widen the search there.
    notes = ",".join(r["binding"]) or "-"
    if r["at_bound"]:
        notes += "  ON BOUND: " + ",".join(r["at_bound"])
    print(f"{r['budget_flops']:9.2g} {f['sparsity']:8.3f} {r['sparsity']:10.3f} {r['experts']:5d} {r['top_k']:2d} {r['loss']:7.4f}  {notes}")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(0)
fig, ax = plt.subplots(figsize=(6, 4))
for result, label in ((free, "no limits"), (limited, "Jetson AGX Orin 64 GB, decode step <= 50 ms")):
    rows = [r for r in result["rows"] if r["feasible"]]
    ax.plot([r["budget_flops"] for r in rows], [r["sparsity"] for r in rows], marker="o", label=label)
ax.set_xscale("log")
ax.set_xlabel("training compute C [FLOP]")
ax.set_ylabel("optimal sparsity S*")
ax.legend()
fig.tight_layout()
fig.savefig("frontier.png", dpi=150)
print("wrote frontier.png")
