"""A differential fuzzer for s2sgrad.

Random programs inside the language docs/language.md documents are generated as
source text (``generator``), written to a module in a temporary folder and
imported (s2sgrad reads source), then checked by independent oracles
(``oracles``): Richardson-extrapolated finite differences, the value of
``value_and_grad``, a forward/reverse dot-product test, checkpointed against
stored loops, and ``hvp`` against differences of the gradient. Failures are
minimised (``minimize``) and kept as regression rows (``regressions``).

``python -m tests.fuzz --n 20000`` runs a campaign; tests/test_fuzz.py runs a
fixed-seed slice and the regression rows in CI.
"""
