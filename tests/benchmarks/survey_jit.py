"""Which corpus programs compile under Numba (`jit=True`), and why the others do not.

    python tests/benchmarks/survey_jit.py [--only NAME] [--generic]

For each program of the control-flow corpus (tests/test_control_flow.py) and the
simulation corpus (tests/test_corpus_simulation.py), differentiated w.r.t. its first
`wrt`: the gradient with jit=True against the interpreted one (equal to round-off, or a
refusal, an S2SGradError naming a line). Prints a Markdown table and a summary of the
reasons. Slow (one Numba compilation per program): not part of the test run.
`--generic`: the code for any shapes (not specialised on the call's array shapes), to
see what specialisation adds.
"""

import argparse
import collections
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import s2sgrad as sg  # noqa: E402
from tests import test_control_flow as cf  # noqa: E402
from tests import test_corpus_simulation as sim  # noqa: E402


def programs():
    seen = set()
    for case in cf.CASES:
        if case.fn.__name__ not in seen:
            seen.add(case.fn.__name__)
            yield "control flow", case.fn, case.args, case.wrts[0]
    for name, (fn, args, wrts, _) in sim.CASES.items():
        yield "simulation", fn, args, wrts[0]


def _flat(x):
    if isinstance(x, dict):
        return np.hstack([_flat(v) for v in x.values()]) if x else np.zeros(0)
    if isinstance(x, (tuple, list)):
        return np.hstack([_flat(v) for v in x]) if x else np.zeros(0)
    return np.ravel(np.asarray(x, dtype=float))


def survey(only=None, report=print):
    rows = []
    for corpus, fn, args, wrt in programs():
        if only and fn.__name__ != only:
            continue
        try:
            expected = sg.grad(fn, wrt=wrt)(*args)
        except sg.S2SGradError:
            continue  # refused by the interpreted mode too: not a jit question
        start = time.perf_counter()
        try:
            got = sg.grad(fn, wrt=wrt, jit=True)(*args)
        except sg.S2SGradError as exc:
            rows.append((corpus, fn.__name__, "refused", " ".join(str(exc).splitlines()[:1])))
            report("| " + " | ".join(rows[-1]) + " |")
            continue
        except Exception as exc:  # a raw exception is a bug of the jit mode: reported as such
            rows.append((corpus, fn.__name__, "CRASH", f"{type(exc).__name__}: {str(exc)[:200]}"))
            report("| " + " | ".join(rows[-1]) + " |")
            continue
        seconds = time.perf_counter() - start
        same = np.allclose(_flat(got), _flat(expected), rtol=1e-12, atol=1e-14)
        rows.append((corpus, fn.__name__, "compiles" if same else "WRONG", f"{seconds:.1f} s first call"))
        report("| " + " | ".join(rows[-1]) + " |")
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only")
    parser.add_argument("--generic", action="store_true")
    options = parser.parse_args()
    if options.generic:
        import s2sgrad.api

        s2sgrad.api.SPECIALISATIONS = 0  # (every call past the limit: the generic code)
    print("| corpus | program | jit=True | detail |\n|---|---|---|---|")
    rows = survey(options.only, lambda line: print(line, flush=True))
    counts = collections.Counter((r[0], r[2]) for r in rows)
    print()
    for (corpus, status), n in sorted(counts.items()):
        print(f"- {corpus}: {n} {status}")


if __name__ == "__main__":
    main()
