"""The docs that are generated from code stay in sync with it."""
import importlib.util
from pathlib import Path

from s2sgrad.rules import listing

ROOT = Path(__file__).resolve().parents[1]
# NumPy's rules, and SciPy's with it installed (the test extra installs it, so CI checks 340)
MIN_FUNCTIONS_WITH_RULES = 340 if importlib.util.find_spec("scipy") else 270


def test_supported_list_matches_rule_table():
    assert (ROOT / "docs" / "supported.md").read_text() == listing.markdown(), \
        "regenerate with: python -m s2sgrad.rules.listing > docs/supported.md"



def _page_rows(text):
    """(spelling, forward, second) for each row of the family tables on the page."""
    return [tuple(cell.strip().strip("`") for cell in line.strip("|").split("|"))
            for line in text.splitlines() if line.startswith("| `")]


def test_supported_page_lists_every_rule_once_by_family():
    rows = _page_rows(listing.markdown())
    names = [r[0] for r in rows]
    assert sorted(names) == listing.differentiable(), "each function with a rule appears once, in one family"
    grouped = listing.families()
    assert "Other" not in grouped, f"rules without a family: {grouped.get('Other')}"
    assert sum(map(len, grouped.values())) == len(listing.differentiable())


def test_supported_page_count():
    text = listing.markdown()
    count = len(listing.differentiable())
    assert f"**{count} functions with derivative rules**" in text
    assert count >= MIN_FUNCTIONS_WITH_RULES


def test_second_order_column_reads_the_rule_code():
    import numpy as np

    from s2sgrad.rules import RULES, _key, closure

    def has_rule(obj):
        return _key(obj) in RULES

    assert listing.second_order(_key(np.cos), RULES[_key(np.cos)][1])
    assert {f.__name__ for f in closure.callees([RULES[_key(np.cos)][1].vjps[0]])} == {"sin"}
    assert {f.__name__ for f in closure.callees([RULES[_key(np.linalg.det)][1].vjps[0]])} == {
        "expand_dims", "inv", "swapaxes"}
    assert not closure.closes([lambda g, ans, x: g * np.frexp(x)[0]], has_rule)   # np.frexp has no rule
