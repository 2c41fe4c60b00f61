"""s2sgrad's gradients beside JAX's jitted ones; prints Markdown.

    /path/to/jax-env/bin/python tests/benchmarks/report_jax.py [--repeat 5] [--only NAME,...]

Run it with a Python that has JAX (`pip install s2sgrad[bench-jax]`, in an environment
of its own: `python -m venv --system-site-packages jaxenv` keeps this NumPy and Numba).
For the jit benchmarks (jit_programs.py) and the application benchmarks (apps.py,
models.py): the forward function, s2sgrad's interpreted gradient, its `jit=True`
gradient (the jit benchmarks, and the applications Numba compiles), the hand-written
gradient and JAX's `jax.jit` of its gradient (tests/benchmarks/jax_programs.py), steady
state: each the best of `--repeat` rounds of the process's CPU time per call (all
threads: XLA and BLAS are limited to one thread, as NumPy is), the candidates of a round
taking turns; and the first call of JAX's and of the jit gradient (wall-clock: tracing
and XLA's compilation; Numba's). The gradients are checked against each other first.
"""

import argparse
import os
import sys
import time
import timeit

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import s2sgrad as sg  # noqa: E402
from tests.benchmarks import apps, models  # noqa: E402
from tests.benchmarks.jit_programs import PROGRAMS  # noqa: E402


def workloads():
    """name -> (forward, hand-written gradient, arguments, wrt)."""
    out = {name: (f, hand, args, wrt) for name, (f, hand, args, wrt) in PROGRAMS.items()}
    for table in (models.PROBLEMS, apps.PROBLEMS):
        for name, p in table.items():
            out[name] = (p["forward"], p["hand"], p["inputs"](), p["wrt"])
    return out


def cpu_best(fns, repeat, min_time):
    """Best CPU seconds per call of each fn, timed in turn within each round."""
    timers = [timeit.Timer(fn, timer=time.process_time) for fn in fns]
    numbers = []
    for timer in timers:
        number, seconds = timer.autorange()
        numbers.append(max(1, int(number * min_time / max(seconds, 1e-9))))
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, (timer, number) in enumerate(zip(timers, numbers)):
            best[i] = min(best[i], timer.timeit(number) / number)
    return best


def _flat(x):
    if isinstance(x, (tuple, list)):
        return np.concatenate([_flat(v) for v in x]) if x else np.zeros(0)
    return np.ravel(np.asarray(x, dtype=float))


def jax_row(name, args, wrt):
    """(steady seconds, first call seconds, how, gradient) for JAX, or (None, None, why, None)."""
    import jax

    from tests.benchmarks import jax_programs as jp

    grad, static, how = jp.GRADS[name]
    refused = ""
    if name in jp.REVERSE_ONLY:
        try:
            jax.jit(jax.grad(jp.REVERSE_ONLY[name], argnums=wrt), static_argnums=static)(*args)
        except Exception as exc:  # what JAX says when asked for the reverse mode
            refused = str(exc).strip().splitlines()[0].split(". ")[0]
    jitted = jax.jit(grad, static_argnums=static)
    values = tuple(a if i in static or not isinstance(a, np.ndarray) else jax.device_put(a) for i, a in enumerate(args))

    def call():
        return jax.block_until_ready(jitted(*values))

    start = time.perf_counter()
    got = call()
    first = time.perf_counter() - start
    return call, first, how + (f"; jax.grad: {refused}" if refused else ""), got


def measure(name, spec, repeat, min_time, with_jax):
    f, hand, args, wrt = spec
    interpreted = sg.grad(f, wrt=wrt)
    reference = interpreted(*args)
    fns = {"forward": lambda: f(*args), "interpreted": lambda: interpreted(*args), "hand": lambda: hand(*args)}
    row = {"name": name}
    jitted = sg.grad(f, wrt=wrt, jit=True)
    start = time.perf_counter()
    try:
        got = jitted(*args)
    except sg.S2SGradError as exc:  # (what Numba refuses: said in the last column)
        row["jit_refused"] = str(exc).splitlines()[0].split(": ", 2)[-1]
    else:
        row["jit_first"] = time.perf_counter() - start
        np.testing.assert_allclose(_flat(got), _flat(reference), rtol=1e-10, atol=1e-12)
        fns["jit"] = lambda: jitted(*args)
    np.testing.assert_allclose(_flat(hand(*args)), _flat(reference), rtol=1e-6, atol=1e-10)
    if with_jax:
        from tests.benchmarks.jax_programs import VARIANTS

        call, row["jax_first"], row["jax_how"], got = jax_row(name, args, wrt)
        np.testing.assert_allclose(_flat(got), _flat(reference), rtol=1e-6, atol=1e-10)
        fns["jax"] = call
        if name in VARIANTS:
            fns["jax_variant"], _, _, got = jax_row(VARIANTS[name], args, wrt)
            np.testing.assert_allclose(_flat(got), _flat(reference), rtol=1e-6, atol=1e-10)
    for label, seconds in zip(fns, cpu_best(list(fns.values()), repeat, min_time)):
        row[label] = seconds
    return row


def us(seconds):
    return "" if seconds is None else f"{seconds * 1e6:.0f} µs" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.1)
    parser.add_argument("--only", default="")
    parser.add_argument("--no-jax", action="store_true")
    options = parser.parse_args()
    with_jax = not options.no_jax
    if with_jax:
        import jax  # noqa: F401  (imported before the first-call timings)
    import numba  # noqa: F401

    print(
        "| program | forward | interpreted | jit=True | hand-written | JAX jit | interpreted / jit "
        "| s2sgrad (faster mode) / JAX | first call: jit=True | first call: JAX | JAX differentiates by | jit=True refused |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    only = set(filter(None, options.only.split(",")))
    for name, spec in workloads().items():
        if only and name not in only:
            continue
        r = measure(name, spec, options.repeat, options.min_time, with_jax)
        jit, jax_time = r.get("jit"), r.get("jax")
        ratio = f"{r['interpreted'] / jit:.0f}x" if jit else ""
        ours = min(r["interpreted"], jit or float("inf"))
        versus = f"{ours / jax_time:.2f}" if jax_time else ""
        first_jit = f"{r['jit_first']:.2f} s" if "jit_first" in r else ""
        first_jax = f"{r['jax_first']:.2f} s" if "jax_first" in r else ""
        if "jax_variant" in r:
            r["jax_how"] += f"; on slices (vectorised): {us(r['jax_variant'])}"
        print(
            f"| {name} | {us(r['forward'])} | {us(r['interpreted'])} | {us(jit)} | {us(r['hand'])} | {us(jax_time)} "
            f"| {ratio} | {versus} | {first_jit} | {first_jax} | {r.get('jax_how', '')} "
            f"| {r.get('jit_refused', '')} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
