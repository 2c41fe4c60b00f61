"""A fuzzing campaign: many seeds, a summary, minimised failures.

``python -m tests.fuzz --n 20000 [--start 0] [--workers 1] [--minimize 2] [--out DIR]``
prints programs, outcomes, refusals by construct, failures by class and stage,
throughput and the features covered; with ``--out`` it writes every failure
(seed, outcome, minimised source) to ``DIR/failures.jsonl``.
"""

import argparse
import collections
import json
import re
import time
from multiprocessing import Pool
from pathlib import Path

from tests.fuzz.generator import generate
from tests.fuzz.minimize import minimize
from tests.fuzz.oracles import check


def run_seed(seed):
    program = generate(seed)
    outcome = check(program)
    return program, outcome


def family(outcome):
    """Failures grouped for the summary: class, stage and the message without names and numbers."""
    detail = re.sub(r"'[^']*'", "'_'", outcome.detail)
    detail = re.sub(r"-?\d[\d.e+-]*", "N", detail)
    if outcome.kind == "silently wrong":
        detail = detail.split(":")[0]
    return f"{outcome.kind} [{outcome.stage}] {detail[:110]}"


class Summary:
    def __init__(self):
        self.status = collections.Counter()
        self.refused = collections.Counter()
        self.later_refusals = collections.Counter()
        self.discarded = collections.Counter()
        self.failures = collections.Counter()
        self.features = collections.Counter()
        self.examples = {}

    def add(self, seed, outcome, features):
        self.status[outcome.status] += 1
        if outcome.status == "refused":
            self.refused[outcome.kind] += 1
        elif outcome.status == "discarded":
            self.discarded[outcome.kind] += 1
        elif outcome.status == "failed":
            self.failures[family(outcome)] += 1
            self.examples.setdefault(family(outcome), []).append(seed)
        for stage, construct in outcome.notes:
            self.later_refusals[f"{stage}: {construct}"] += 1
        if outcome.status != "discarded":
            self.features.update(features)

    def text(self, n, seconds):
        counted = n - self.status["discarded"]
        out = [f"programs: {n} generated, {counted} checked ({self.status['discarded']} discarded), "
               f"{seconds:.0f} s, {n / seconds:.1f} programs/s",
               "outcomes: " + ", ".join(f"{k} {v}" for k, v in self.status.most_common())]
        for title, counter in (("failures by class", self.failures), ("refusals by construct", self.refused),
                               ("later-stage refusals of passing programs", self.later_refusals),
                               ("discarded", self.discarded)):
            out.append(f"{title}:")
            for key, count in counter.most_common(25):
                seeds = self.examples.get(key, [])[:4]
                out.append(f"  {count:6d}  {key}" + (f"   seeds {seeds}" if seeds else ""))
        out.append(f"features covered ({len(self.features)}): " + ", ".join(
            f"{k} {v}" for k, v in sorted(self.features.items())))
        return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="programs to generate")
    parser.add_argument("--start", type=int, default=0, help="first seed")
    parser.add_argument("--workers", type=int, default=1, help="processes (the machine is shared: keep 1)")
    parser.add_argument("--minimize", type=int, default=2, help="failures minimised per family")
    parser.add_argument("--out", type=Path, help="folder for failures.jsonl")
    opts = parser.parse_args(argv)
    summary, failures = Summary(), []
    seeds = range(opts.start, opts.start + opts.n)
    t0 = time.time()
    pool = Pool(opts.workers) if opts.workers > 1 else None
    results = pool.imap_unordered(run_seed, seeds, chunksize=8) if pool else map(run_seed, seeds)
    done = 0
    try:  # Ctrl-C stops the campaign early and still prints the summary
        for program, outcome in results:
            done += 1
            summary.add(program.seed, outcome, program.features)
            if outcome.status == "failed":
                failures.append((program, outcome))
            if done % 500 == 0:
                print(f"... {done} programs, {summary.status['failed']} failed, {time.time() - t0:.0f} s", flush=True)
    except KeyboardInterrupt:
        print(f"interrupted after {done} programs")
    seconds = time.time() - t0
    if pool:
        pool.terminate()
    print(summary.text(done, seconds), flush=True)
    if opts.out:
        write_failures(opts, failures)


def write_failures(opts, failures):
    opts.out.mkdir(parents=True, exist_ok=True)
    minimised = collections.Counter()
    with open(opts.out / "failures.jsonl", "w") as fh:
        for program, outcome in sorted(failures, key=lambda item: item[0].seed):
            seed = program.seed
            row = {"seed": seed, "family": family(outcome), "stage": outcome.stage, "kind": outcome.kind,
                   "detail": outcome.detail, "source": program.source, "args": program.args, "wrt": list(program.wrt)}
            if minimised[row["family"]] < opts.minimize:
                minimised[row["family"]] += 1
                row["minimized"] = minimize(program.source, program.args, program.wrt, seed, outcome)
            fh.write(json.dumps(row) + "\n")
            fh.flush()
    print(f"failures written to {opts.out / 'failures.jsonl'}")
