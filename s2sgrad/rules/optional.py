"""Rules for optional libraries, registered once the user's program imports them.

`import s2sgrad` never imports SciPy (it takes a second); a program that calls
SciPy has imported it before anything is compiled, so compilation (and
`s2sgrad.extend`, so that a user's rule is not overwritten later) calls
`load_optional`, which loads the rule module of each SciPy package in
`sys.modules`. Without SciPy installed nothing here runs.
"""

import importlib
import sys

# SciPy package -> the rule module that covers it
OPTIONAL = {"scipy.special": "scipy_special", "scipy.linalg": "scipy_linalg", "scipy.stats": "scipy_stats"}
_loaded = set()


def load_optional(everything=False):
    """Register the rules of the optional packages already imported (or, with
    `everything`, of every one that can be imported: the listing page)."""
    for package, rules in OPTIONAL.items():
        if rules in _loaded:
            continue
        if package not in sys.modules:
            if not everything:
                continue
            try:
                importlib.import_module(package)
            except ImportError:
                continue
        _loaded.add(rules)
        importlib.import_module(f"{__package__}.{rules}")
