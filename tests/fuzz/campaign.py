"""A fuzzing campaign: many seeds, a summary, minimised failures.

``python -m tests.fuzz --n 20000 [--start 0] [--workers 1] [--minimize 2] [--out DIR]``
prints programs, outcomes, refusals by construct, failures by class and stage,
throughput, where the time goes and the features covered. With ``--out`` every
outcome is appended to ``DIR/results.jsonl`` as it comes (one line per seed, with
the code's commit), so a campaign can be stopped and resumed (seeds already in the
file are skipped) or split into chunks of seeds run one after another into one
folder; failures (minimised) go to ``DIR/failures.jsonl``.
``python -m tests.fuzz --summary DIR`` prints the summary of everything in DIR.
"""

import argparse
import collections
import json
import re
import subprocess
import time
from multiprocessing import Pool
from pathlib import Path

from tests.fuzz.generator import generate
from tests.fuzz.minimize import minimize
from tests.fuzz.oracles import Outcome, check


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


def code_commit():
    """The commit of the s2sgrad being checked (+ "-dirty" with uncommitted changes)."""
    import s2sgrad

    root = Path(s2sgrad.__file__).parent

    def git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("-dirty" if git("status", "--porcelain", "--untracked-files=no", ".") else "")


class Summary:
    def __init__(self):
        self.status = collections.Counter()
        self.refused = collections.Counter()
        self.later_refusals = collections.Counter()
        self.discarded = collections.Counter()
        self.failures = collections.Counter()
        self.features = collections.Counter()
        self.seconds = collections.Counter()
        self.commits = collections.Counter()
        self.examples = {}
        self.seeds = []

    def add(self, seed, outcome, features, commit=None):
        self.seeds.append(seed)
        self.status[outcome.status] += 1
        self.seconds.update(outcome.seconds)
        if commit:
            self.commits[commit] += 1
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

    def text(self, n, seconds=None):
        counted = n - self.status["discarded"]
        head = f"programs: {n} generated, {counted} checked ({self.status['discarded']} discarded)"
        if seconds:
            head += f", {seconds:.0f} s, {n / seconds:.1f} programs/s"
        out = [head, "outcomes: " + ", ".join(f"{k} {v}" for k, v in self.status.most_common())]
        if self.seeds:
            out.append(f"seeds: {_ranges(self.seeds)}")
        if self.commits:
            out.append("code: " + ", ".join(f"{k} ({v})" for k, v in self.commits.most_common()))
        cpu = sum(self.seconds.values())
        if cpu:
            out.append(
                f"CPU time by stage ({cpu:.0f} s, {cpu / max(n, 1):.2f} s/program): "
                + ", ".join(f"{k} {v / cpu:.0%}" for k, v in self.seconds.most_common())
            )
        for title, counter in (
            ("failures by class", self.failures),
            ("refusals by construct", self.refused),
            ("later-stage refusals of passing programs", self.later_refusals),
            ("discarded", self.discarded),
        ):
            out.append(f"{title}:")
            for key, count in counter.most_common(25):
                seeds = self.examples.get(key, [])[:4]
                out.append(f"  {count:6d}  {key}" + (f"   seeds {seeds}" if seeds else ""))
        out.append(
            f"features covered ({len(self.features)}): "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.features.items()))
        )
        return "\n".join(out)


def _ranges(seeds):
    """ "0..99, 200..299" for a set of seeds."""
    spans, ordered = [], sorted(set(seeds))
    for s in ordered:
        if spans and s == spans[-1][1] + 1:
            spans[-1][1] = s
        else:
            spans.append([s, s])
    return ", ".join(f"{a}..{b}" if a != b else f"{a}" for a, b in spans)


def _row(program, outcome, commit):
    return {
        "seed": program.seed,
        "commit": commit,
        "status": outcome.status,
        "kind": outcome.kind,
        "stage": outcome.stage,
        "detail": outcome.detail,
        "notes": outcome.notes,
        "seconds": {k: round(v, 4) for k, v in outcome.seconds.items()},
        "features": sorted(program.features),
    }


def read_results(folder):
    """seed -> the last row recorded for it in folder/results.jsonl."""
    path = Path(folder) / "results.jsonl"
    rows = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                rows[row["seed"]] = row
    return rows


def summarise(folder):
    summary = Summary()
    for seed, row in sorted(read_results(folder).items()):
        outcome = Outcome(
            row["status"],
            row["kind"],
            row["stage"],
            row["detail"],
            [tuple(n) for n in row["notes"]],
            row.get("seconds", {}),
        )
        summary.add(seed, outcome, row["features"], row.get("commit"))
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="programs to generate")
    parser.add_argument("--start", "--seed-start", type=int, default=0, help="first seed")
    parser.add_argument("--workers", type=int, default=1, help="processes (the machine is shared: keep 1)")
    parser.add_argument("--minimize", type=int, default=2, help="failures minimised per family")
    parser.add_argument("--out", type=Path, help="folder: results.jsonl (appended, resumable), failures.jsonl")
    parser.add_argument("--summary", type=Path, metavar="DIR", help="print the summary of DIR/results.jsonl and stop")
    opts = parser.parse_args(argv)
    if opts.summary:
        summary = summarise(opts.summary)
        print(summary.text(len(summary.seeds)))
        return
    done_before = read_results(opts.out) if opts.out else {}
    seeds = [s for s in range(opts.start, opts.start + opts.n) if s not in done_before]
    if done_before:
        print(f"resuming: {opts.n - len(seeds)} of these seeds are in {opts.out / 'results.jsonl'} already")
    summary, failures, commit = Summary(), [], code_commit()
    results_file = None
    if opts.out:
        opts.out.mkdir(parents=True, exist_ok=True)
        results_file = open(opts.out / "results.jsonl", "a")
    t0 = time.time()
    pool = Pool(opts.workers) if opts.workers > 1 else None
    results = pool.imap_unordered(run_seed, seeds, chunksize=8) if pool else map(run_seed, seeds)
    done = 0
    try:  # Ctrl-C stops the campaign early and still prints the summary
        for program, outcome in results:
            done += 1
            summary.add(program.seed, outcome, program.features, commit)
            if results_file:
                results_file.write(json.dumps(_row(program, outcome, commit)) + "\n")
                results_file.flush()
            if outcome.status == "failed":
                failures.append((program, outcome))
            if done % 500 == 0:
                print(f"... {done} programs, {summary.status['failed']} failed, {time.time() - t0:.0f} s", flush=True)
    except KeyboardInterrupt:
        print(f"interrupted after {done} programs")
    seconds = time.time() - t0
    if pool:
        pool.terminate()
    if results_file:
        results_file.close()
    print(summary.text(done, seconds), flush=True)
    if opts.out:
        write_failures(opts, failures)


def write_failures(opts, failures):
    """Append the failures (the first of each family minimised) to DIR/failures.jsonl."""
    minimised = collections.Counter()
    with open(opts.out / "failures.jsonl", "a") as fh:
        for program, outcome in sorted(failures, key=lambda item: item[0].seed):
            seed = program.seed
            row = {
                "seed": seed,
                "family": family(outcome),
                "stage": outcome.stage,
                "kind": outcome.kind,
                "detail": outcome.detail,
                "source": program.source,
                "args": program.args,
                "wrt": list(program.wrt),
            }
            if minimised[row["family"]] < opts.minimize:
                minimised[row["family"]] += 1
                row["minimized"] = minimize(program.source, program.args, program.wrt, seed, outcome)
            fh.write(json.dumps(row) + "\n")
            fh.flush()
    print(f"failures written to {opts.out / 'failures.jsonl'}")
