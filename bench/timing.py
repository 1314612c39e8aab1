"""Timing by medians, for the PyTorch side of the benchmarks (imported by the bench/*.py scripts)."""
import time


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def timed(fn, repeats):
    """The median wall time of `repeats` calls, in ms."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return median(times)
