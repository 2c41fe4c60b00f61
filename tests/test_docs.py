"""The docs that are generated from code stay in sync with it."""
from pathlib import Path

from s2sgrad.rules import listing

ROOT = Path(__file__).resolve().parents[1]


def test_supported_list_matches_rule_table():
    assert (ROOT / "docs" / "supported.md").read_text() == listing.markdown(), \
        "regenerate with: python -m s2sgrad.rules.listing > docs/supported.md"


def test_every_runtime_helper_is_documented_in_internals():
    import s2sgrad.runtime as runtime
    text = (ROOT / "docs" / "internals.md").read_text()
    assert "runtime.py" in text and all(callable(getattr(runtime, n)) for n in runtime.__all__)
