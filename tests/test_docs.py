"""The docs that are generated from code stay in sync with it."""
from pathlib import Path

from s2sgrad.rules import listing

ROOT = Path(__file__).resolve().parents[1]


def test_supported_list_matches_rule_table():
    assert (ROOT / "docs" / "supported.md").read_text() == listing.markdown(), \
        "regenerate with: python -m s2sgrad.rules.listing > docs/supported.md"

