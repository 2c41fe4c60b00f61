"""What generated derivative code imports at run time, and nothing else.

One module per job: `shapes.py` (unbroadcast, unreduce, zeros_like, shape_of, ...),
`products.py` (the adjoints of @ and np.dot), `reductions.py` (max/min masks,
prod_others) with `jets.py` (its higher derivatives), `indexing.py` (scatter, part,
add_at), `ownership.py` (owned, saved_part, fresh_copy), `containers.py` (Items,
add_values, split_last, seq_*), `guards.py` (the run-time checks that stop with an
S2SGradError); `numpy_adjoints.py` the adjoints of the NumPy rule table
(`order_statistics.py` those of the quantiles, `stencils.py` np.gradient's,
`sequences.py` list/tuple/sorted's), `scipy_adjoints.py` the bookkeeping the SciPy
rules need (NumPy only: it imports without SciPy), `schedule.py` the checkpointing
schedule. Every helper is importable from `s2sgrad.runtime`.
This package never imports the compiler.
"""

from . import (
    containers,
    guards,
    indexing,
    numpy_adjoints,
    order_statistics,
    ownership,
    products,
    reductions,
    scipy_adjoints,
    sequences,
    shapes,
    stencils,
)
from .containers import *  # noqa: F401,F403
from .guards import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .ownership import *  # noqa: F401,F403
from .products import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .shapes import *  # noqa: F401,F403
from .numpy_adjoints import *  # noqa: F401,F403
from .order_statistics import *  # noqa: F401,F403
from .scipy_adjoints import *  # noqa: F401,F403
from .sequences import *  # noqa: F401,F403
from .stencils import *  # noqa: F401,F403
from .numpy_adjoints import einsum_parse, einsum_transpose  # noqa: F401

# the modules whose helpers generated code imports from this package itself
REEXPORTED = (shapes, products, reductions, indexing, ownership, containers, guards)

__all__ = [name for module in REEXPORTED for name in module.__all__] + (
    numpy_adjoints.__all__ + order_statistics.__all__ + scipy_adjoints.__all__ + sequences.__all__ + stencils.__all__
)
