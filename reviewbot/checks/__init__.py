"""The rule registry: every ``Rule`` class defined in a module of this package, by id.

Adding a rule means writing its class in a family module (or a new module here), its tests and
its entry in a pack; nothing else lists rules.
"""

from __future__ import annotations

import importlib
import pkgutil

from reviewbot.checks.base import Rule
from reviewbot.model import Option


def _collect() -> dict[str, type[Rule]]:
    """Import every module of this package and gather the rules they define, sorted by id."""
    found: dict[str, type[Rule]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            # A rule declares its own id; bases such as ``ProjectRule`` do not.
            if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__ and "id" in vars(value):
                if value.id in found:
                    raise TypeError(f"{value.__qualname__} and {found[value.id].__qualname__} both declare {value.id}")
                found[value.id] = value
    return dict(sorted(found.items()))


# Every rule reviewbot knows, by id.
RULES: dict[str, type[Rule]] = _collect()

# Every rule option, by its config key.
OPTIONS: dict[str, Option] = {option.key: option for rule in RULES.values() for option in rule.options}
