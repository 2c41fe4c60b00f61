"""What generated derivative code imports at run time, and nothing else.

`core.py` holds the engine's helpers (unbroadcast, unreduce, part, ...),
`numpy_adjoints.py` the adjoints of the NumPy rule table (`order_statistics.py`
those of the quantiles, `stencils.py` np.gradient's), `scipy_adjoints.py` the
bookkeeping the SciPy rules need (NumPy only: it imports without SciPy), `schedule.py` the
checkpointing schedule. Every helper is importable from `s2sgrad.runtime`.
This package never imports the compiler.
"""

from . import core, numpy_adjoints, order_statistics, scipy_adjoints, sequences, stencils
from .core import *  # noqa: F401,F403
from .numpy_adjoints import *  # noqa: F401,F403
from .order_statistics import *  # noqa: F401,F403
from .scipy_adjoints import *  # noqa: F401,F403
from .sequences import *  # noqa: F401,F403
from .stencils import *  # noqa: F401,F403
from .numpy_adjoints import einsum_parse, einsum_transpose  # noqa: F401

__all__ = (
    core.__all__
    + numpy_adjoints.__all__
    + order_statistics.__all__
    + scipy_adjoints.__all__
    + sequences.__all__
    + stencils.__all__
)
