"""s2sgrad: source-to-source automatic differentiation for Python and NumPy.

`grad(f)` reads f's source and generates a readable NumPy function that runs
the forward computation and then its reverse sweep (backpropagation).
"""

from .api import Derivative, grad, show, source, stop_gradient, value_and_grad, vjp
from .forward_mode import jvp
from .jacobians import hessian, hvp, jacobian
from .mapping import map_grad
from .check import GradCheck, check_grad
from .errors import S2SGradError
from .trees import register_container
from .runtime.schedule import checkpointed
from . import extend
from .graphview import graph
from .rules import defnondiff as _defnondiff

_defnondiff(stop_gradient)

__all__ = [
    "checkpointed",
    "check_grad",
    "GradCheck",
    "extend",
    "grad",
    "value_and_grad",
    "vjp",
    "jvp",
    "jacobian",
    "hessian",
    "hvp",
    "map_grad",
    "source",
    "show",
    "stop_gradient",
    "S2SGradError",
    "Derivative",
    "graph",
    "register_container",
]
__version__ = "0.1.0"
