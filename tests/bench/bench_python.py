"""`import moesim` timed: one estimate() call and a 200,000-row sweep into NumPy (issue 16's
measures: under 20 us per call, at least 10^6 rows/s on one core). Not a test; run by hand:

    PYTHONPATH=build/release/python /usr/bin/python3 tests/bench/bench_python.py

Each figure is the best of five repetitions (the first sweep also pays the page faults of
fresh arrays, which later ones reuse from the allocator).
"""
import time
import timeit

import moesim


def best(function, number, repeat=5):
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number


model = moesim.load_model("mixtral-8x7b")
device = moesim.hardware("h100-sxm")
print(f"estimate(model)                      {best(lambda: moesim.estimate(model), 5000) * 1e6:8.1f} us per call")
print(f"estimate(model, device, tp=2)        {best(lambda: moesim.estimate(model, device, tp=2), 2000) * 1e6:8.1f} us per call"
      " (with the latency report: 428 values)")
for label, hw, axes, kw in [
    ("sweep batch 1..200000, no device", None, {"batch": "1..200000"}, {}),
    ("sweep batch x context, h100-sxm tp 2", device, {"batch": "1..200", "context": "64..1063"}, {"tp": 2}),
]:
    start = time.perf_counter()
    first = moesim.sweep(model, hw, axes, **kw)
    cold = time.perf_counter() - start
    rows = len(first["valid"])
    warm = best(lambda: moesim.sweep(model, hw, axes, **kw), 1)
    print(f"{label:36s} {rows / warm:10.3g} rows/s ({rows / cold:.3g} the first call), {len(first)} columns")
