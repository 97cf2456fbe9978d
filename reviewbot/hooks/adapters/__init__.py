"""The agent registry: every ``Adapter`` defined in a module of this package, by its agent's name.

``reviewbot hook AGENT``, ``reviewbot init --agent`` and the hook server read this table; nothing
else lists agents. Adding an agent means writing its module here (its protocol and its
``Install``), its tests and its docs (docs/design.md, "Adding an agent").
"""

from __future__ import annotations

import importlib
import pkgutil

from reviewbot.hooks.protocol import Adapter


def _collect() -> dict[str, type[Adapter]]:
    """Import every module of this package and gather the adapters they define (each declares its
    ``agent``; a shared base declares none), the default first, then by name."""
    found: dict[str, type[Adapter]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Adapter) and value.__module__ == module.__name__ and "agent" in vars(value):
                if value.agent in found:
                    raise TypeError(f"{value.__qualname__} and {found[value.agent].__qualname__} both speak for {value.agent}")
                found[value.agent] = value
    return dict(sorted(found.items(), key=lambda item: (item[0] != DEFAULT, item[0])))


# The agent ``reviewbot init`` sets up when none is named: first among the choices.
DEFAULT = "claude-code"
# Every agent ``reviewbot hook`` speaks to, by its name on the command line.
ADAPTERS: dict[str, type[Adapter]] = _collect()
