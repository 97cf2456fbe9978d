"""LibCST, imported when a file is first parsed rather than when reviewbot starts.

Importing LibCST takes about 0.17 s, more than half of a warm scan that answers from the cache
and never parses. Every module but ``reviewbot.walk`` (imported only to parse and walk) writes
``from reviewbot.lazy import libcst as cst`` instead of ``import libcst as cst``, and touches
``cst`` only inside functions (``CSTVisitor`` subclasses live in ``reviewbot.checks._visitors``).
The first attribute read imports LibCST, and from then on ``cst`` is the plain module (its class
is switched back, as ``importlib.util.LazyLoader`` does), so the walk pays nothing for it.
``tests/test_lazy.py`` checks that a scan answered from the cache imports no LibCST.
"""

from __future__ import annotations

import importlib
import types
from typing import TYPE_CHECKING, Any


class LazyModule(types.ModuleType):
    """A module that is imported on the first read of one of its attributes."""

    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module(self.__name__)
        self.__dict__.update(vars(module))
        # Reads now find the attributes in the dictionary, with no hook in the way.
        self.__class__ = types.ModuleType  # type: ignore[assignment]
        return getattr(module, name)


if TYPE_CHECKING:
    import libcst as libcst
else:
    libcst = LazyModule("libcst")
