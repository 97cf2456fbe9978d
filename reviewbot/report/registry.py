"""The formats, by name: every module of this package is one, except ``base`` and this registry.

The command line's ``--format`` choices and the tests read ``names()``. A format's module is
imported only once it is chosen, so ``reviewbot --help`` and the agent hook load none of them.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewbot.report.base import Renderer

# Modules of this package that are not formats (and modules whose name starts with "_").
SHARED = frozenset({"base", "registry"})
# A format named like a standard-library module lives in ``<name>_format.py`` (``json``), so that
# its module does not shadow the library's.
SUFFIX = "_format"
# The format of a report nobody asked a format for: first among the choices, then the others by name.
DEFAULT = "text"


@functools.cache
def _modules() -> dict[str, str]:
    """Format name -> its module's name, the default first, then in name order."""
    found = {}
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name not in SHARED and not module.name.startswith("_"):
            found[module.name.removesuffix(SUFFIX)] = module.name
    return dict(sorted(found.items(), key=lambda item: (item[0] != DEFAULT, item[0])))


def names() -> tuple[str, ...]:
    """Every format's name, the default first."""
    return tuple(_modules())


def renderer(name: str) -> Renderer:
    """The ``render`` function of the format ``name`` (one of ``names()``), imported now."""
    module = importlib.import_module(f"{__package__}.{_modules()[name]}")
    render: Renderer = module.render
    return render
