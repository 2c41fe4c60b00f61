"""The compiler: from a Python function's source to its derivative's source.

The stages, in pipeline order (see docs/internals.md):
frontend -> lower (+ desugar, nodes) -> ssa -> analyses (analysis, shapes,
aliasing, inplace) -> reverse / forward (+ context, checkpointing) -> naming,
cleanup, codegen -> compile. `pipeline.py` drives them.
"""
