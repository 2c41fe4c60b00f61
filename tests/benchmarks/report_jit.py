"""Time jit=True against the interpreted gradient and a hand-written one; print Markdown.

    python tests/benchmarks/report_jit.py [--repeat 7] [--min-time 0.2]

For each program of tests/benchmarks/jit_programs.py: the forward function, the
interpreted s2sgrad gradient, the gradient with jit=True (steady state: after its first
call), the hand-written gradient (plain Python / NumPy), each the best of `--repeat`
repeats of `timeit` measuring the process's CPU time (a loaded machine deschedules
it), interleaved; and the first call (wall-clock) of the jit gradient (generation and
Numba compilation; Numba itself is imported before, once). The gradients are checked
against each other before timing.
"""

import argparse
import os
import sys
import time
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import s2sgrad as sg  # noqa: E402
from tests.benchmarks.jit_programs import PROGRAMS  # noqa: E402


def best(fn, args, repeat, min_time):
    # CPU time of this process, not wall-clock: on a shared machine a run of a few tenths
    # of a second is descheduled for part of its time, which wall-clock would count
    timer = timeit.Timer(lambda: fn(*args), timer=time.process_time)
    number, _ = timer.autorange()
    number = max(1, int(number * min_time / 0.2))
    return min(timer.repeat(repeat, number)) / number


def measure(name, repeat, min_time):
    f, hand, args, wrt = PROGRAMS[name]
    interpreted = sg.grad(f, wrt=wrt)
    jitted = sg.grad(f, wrt=wrt, jit=True)
    start = time.perf_counter()
    first = jitted(*args)
    first_call = time.perf_counter() - start
    reference = interpreted(*args)
    for a, b, c in zip(first, reference, hand(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(c, b, rtol=1e-6, atol=1e-12)
    times = {"forward": [], "interpreted": [], "jit": [], "hand": []}
    for _ in range(repeat):
        for label, fn in (("forward", f), ("interpreted", interpreted), ("jit", jitted), ("hand", hand)):
            times[label].append(best(fn, args, 3, min_time))
    row = {k: min(v) for k, v in times.items()}
    row["first_call"] = first_call
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--min-time", type=float, default=0.2)
    options = parser.parse_args()
    import numba  # noqa: F401  (imported once, outside the first-call timings)

    print(
        "| program | forward | interpreted gradient | jit=True gradient | hand-written | interpreted / jit | first jit call |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in PROGRAMS:
        r = measure(name, options.repeat, options.min_time)
        print(
            f"| {name} | {r['forward'] * 1e6:.0f} µs | {r['interpreted'] * 1e6:.0f} µs | {r['jit'] * 1e6:.1f} µs "
            f"| {r['hand'] * 1e6:.0f} µs | {r['interpreted'] / r['jit']:.0f}x | {r['first_call']:.2f} s |"
        )


if __name__ == "__main__":
    main()
