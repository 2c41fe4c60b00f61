"""The differential fuzzer in CI: a fixed-seed slice and the minimised regression rows.

Every program of the slice must pass the oracles or be refused with an
``S2SGradError`` (tests/fuzz/oracles.py); seeds that still fail are listed in
``KNOWN`` with the reason, as strict xfails, so that the fix of the bug flips
them (then delete the entry). The same holds for the rows of
tests/fuzz/regressions.py. ``python -m tests.fuzz --n 20000`` runs a campaign.
"""

import functools
import re

import pytest

from tests.fuzz.generator import generate
from tests.fuzz.oracles import check, check_source
from tests.fuzz.regressions import ROWS

SLICE = range(150)

# seed -> why it still fails: the families of docs/testing.md (Known failures) and issue 11
FAMILY = {}
KNOWN = {}  # seed: FAMILY[...]


@functools.lru_cache(maxsize=None)
def outcome_of(seed):
    return check(generate(seed))


def params():
    for seed in SLICE:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN[seed])] if seed in KNOWN else []
        yield pytest.param(seed, marks=marks, id=f"seed{seed}")


@pytest.mark.parametrize("seed", params())
def test_fuzz_slice(seed):
    outcome = outcome_of(seed)
    assert outcome.status != "failed", f"{outcome.kind} in {outcome.stage}: {outcome.detail}\n{generate(seed).source}"


def test_slice_checks_most_programs():
    """The generator must make programs the oracles can judge: few discarded, some passing."""
    outcomes = [outcome_of(seed) for seed in range(40)]
    judged = [o for o in outcomes if o.status != "discarded"]
    assert len(judged) >= 25, [o.kind for o in outcomes if o.status == "discarded"]
    assert sum(o.status == "pass" for o in outcomes) >= 12


def rows():
    for row in ROWS:
        marks = [pytest.mark.xfail(strict=True, reason=row["open"])] if row.get("open") else []
        yield pytest.param(row, marks=marks, id=row["id"])


@pytest.mark.parametrize("row", rows())
def test_regression_row(row):
    outcome = check_source(row["source"], row["args"], tuple(row["wrt"]))
    assert outcome.status in row["expect"], f"{outcome.status} {outcome.kind} in {outcome.stage}: {outcome.detail}"
    if row.get("second_order"):  # (a later stage's refusal is a note, not a failure: here it counts)
        assert not outcome.notes, outcome.notes
    if outcome.status == "refused":  # a refusal names the user's line
        assert re.match(r"\S+\.py:\d+: ", outcome.detail), outcome.detail
