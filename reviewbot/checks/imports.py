"""RB1xx: internal modules are imported absolutely, through the project's root package."""

from __future__ import annotations

from reviewbot.lazy import libcst as cst

from reviewbot.checks.base import Rule
from reviewbot.imports import dotted_name
from reviewbot.errors import ConfigError
from reviewbot.model import Edit, Example, Fix, Option

# Shared by RB101 (where the fix points) and RB102 (what counts as internal).
ROOTS = Option("imports.roots", list, "Root package names (or paths to them); detected from the layout when empty.", ())


def _style(where: str, value: str) -> str:
    if value not in STYLES:
        raise ConfigError(f"{where}: expected one of {', '.join(STYLES)}, got {value!r}")
    return value


# ``imports.style``: how RB101 reads the repository's own way of importing.
STYLES = ("measured", "absolute", "relative")
STYLE = Option(
    "imports.style",
    str,
    "RB101: `absolute` reports every new relative import; `relative` none; `measured` (default) follows the "
    "repository: where its own packages import each other relatively, only files that mix both styles (in "
    "changed-lines mode, files the change adds).",
    "measured",
    check=_style,
)

# Calls that change the import path.
SYS_PATH_METHODS = frozenset({"sys.path.insert", "sys.path.append", "sys.path.extend"})
# Ways of naming the working directory (RB103).
WORKING_DIRECTORY = frozenset({"os.getcwd", "os.curdir", "os.pardir", "pathlib.Path.cwd", "os.path.curdir", "os.path.pardir"})
# RB103's message.
MESSAGE = "`sys.path` pointed at a path written in the code: install the project (`pip install -e .`) instead"


class RelativeImport(Rule):
    """RB101: a relative import; fixed to the absolute module under the root package."""

    id = "RB101"
    name = "relative-import"
    summary = "A relative import (`from . import x`, `from ..m import x`)."
    why = (
        "The agent was told to import every internal module absolutely through the project's root "
        "package (Python's equivalent of an `@/` alias). Absolute imports read the same in every "
        "file, survive moving a module, and show at a glance which package a name comes from. The "
        "repository's own way wins (`imports.style`): a file that imported only relatively keeps its "
        "way, a relative import a change only extends is not new, and where a package imports itself "
        "relatively (at the change's base, or in the work tree) and neither the config, the "
        "repository's agent files nor its Ruff configuration ask for absolute imports, only a file "
        "that mixes both styles is reported (in changed-lines mode, a file the change adds)."
    )
    bad = (
        Example("from .models import Order\n", lines=(1,), fixed="from app.models import Order\n"),
        Example(
            "from ..billing import (\n    invoice,  # keep\n)\n",
            lines=(1,),
            fixed="from app.billing import (\n    invoice,  # keep\n)\n",
            path="app/orders/views.py",
        ),
        Example("def load():\n    from . import cache\n", lines=(2,), fixed="def load():\n    from app import cache\n"),
    )
    good = (
        Example("from app.models import Order\n"),
        Example("import app.models as models\n"),
    )
    fixable = True
    options = (ROOTS, STYLE)
    facts = ("imports",)
    peers = "Ruff TID252 (with `ban-relative-imports = \"all\"`), flake8-absolute-import ABS101"
    noqa = ("TID252",)

    def leave_ImportFrom(self, node: cst.ImportFrom) -> None:
        """A finding, with a fix when the target module is known (the file is inside a root package)."""
        if not node.relative:
            return
        ctx = self.ctx
        module = (dotted_name(node.module) or "") if node.module is not None else ""
        written = "." * len(node.relative) + module
        target = ctx.imports.absolute_module(node)
        if target is None:
            self.report(node, f"relative import `{written}`: import it absolutely from the root package")
            return
        # Replace the dots and the module name, nothing else: the imported names, their
        # parentheses and comments stay as they are.
        first = ctx.span(node.relative[0])
        last = ctx.span(node.module if node.module is not None else node.relative[-1])
        # ``from.m import x`` is valid Python; ``fromapp.m`` would not be.
        separator = "" if node.whitespace_after_from.value else " "
        edit = Edit(first[0], first[1] + 1, last[2], last[3] + 1, separator + target)
        fix = Fix(f"import `{target}` absolutely", (edit,))
        self.report(node, f"relative import `{written}`: use `{target}`", fix=fix)


class NonRootInternalImport(Rule):
    """RB102: an internal module reached by a route other than its root package."""

    id = "RB102"
    name = "non-root-internal-import"
    summary = "An internal module imported without going through its root package."
    why = (
        "`from src.app.models import X` and `from services.cache import memo` (where `services` only "
        "exists inside the root package) work only because of how the code happens to be run; they "
        "break under another entry point and create two copies of the same module."
    )
    bad = (
        Example("from src.app.models import Order\n", lines=(1,)),
        Example("from services.cache import memo\n", lines=(1,)),
        Example("import services.cache as cache\n", lines=(1,)),
    )
    good = (
        Example("from app.services.cache import memo\n"),
        Example("import json\nimport requests\n"),
    )
    options = (ROOTS,)
    peers = "none: import-linter and Ruff check layers and bans, not the route through the root"

    def leave_ImportFrom(self, node: cst.ImportFrom) -> None:
        """``from src.app.m import x`` / ``from services.cache import memo``."""
        if node.relative or node.module is None:
            return
        module = dotted_name(node.module)
        self._through_root(node, module)
        # ``from src import shop_api`` reaches the root package through the src directory too.
        if module == "src" and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self._through_root(alias, f"src.{dotted_name(alias.name)}")

    def leave_Import(self, node: cst.Import) -> None:
        """``import a.b`` that bypasses the root."""
        for alias in node.names:
            self._through_root(alias, dotted_name(alias.name))

    def _through_root(self, node: cst.CSTNode, module: str | None) -> None:
        """``src.<root>...`` or a name that only exists inside a root package."""
        if not module:
            return
        roots = self.ctx.project.roots
        parts = module.split(".")
        # ``src`` itself may be a root package (flat layout named src): then ``src.`` is correct.
        if parts[0] == "src" and "src" not in roots and len(parts) > 1 and parts[1] in roots:
            rest = ".".join(parts[1:])
            self.report(node, f"`{module}` goes through the `src` directory: import `{rest}`")
        elif parts[0] in self.ctx.project.inner:
            root = self.ctx.project.inner[parts[0]]
            self.report(node, f"`{module}` exists only inside root package `{root}`: import `{root}.{module}`")


class SysPathManipulation(Rule):
    """RB103: ``sys.path`` pointed at the project's own tree at run time."""

    id = "RB103"
    name = "sys-path-manipulation"
    summary = "Adding a path written in the code (`__file__`, a literal, the working directory) to `sys.path` at run time."
    why = (
        "Editing `sys.path` makes modules importable under names that bypass the root package and "
        "makes imports depend on which file ran first. Install the project (`pip install -e .`) instead. "
        "Only paths fixed in the code are reported: a path the user chose (a `--pythonpath` option, "
        "a plugin directory) is a feature, and putting back a saved `sys.path` is a clean-up."
    )
    bad = (
        Example("import sys\nsys.path.insert(0, '..')\n", lines=(2,)),
        Example("import sys as system\nsystem.path += ['lib']\n", lines=(2,)),
        Example("from sys import path\npath.append('lib')\n", lines=(2,)),
        Example("import os, sys\nsys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))\n", lines=(2,)),
    )
    good = (
        Example("import sys\nprint(sys.path)\n"),
        Example("import sys\nsys.path.insert(0, 'lib')\n", path="tests/conftest.py"),
        Example("import sys\n\ndef load_plugins(directory: str) -> None:\n    sys.path.append(directory)\n"),
        Example("import sys\n\nsaved = sys.path[:]\ntry:\n    pass\nfinally:\n    sys.path = saved\n"),
    )
    peers = "none"

    def visit_Call(self, node: cst.Call) -> None:
        """``sys.path.insert(0, ...)`` and friends, with a path fixed in the code."""
        if self.ctx.imports.resolve(node.func) in SYS_PATH_METHODS and any(self._fixed(arg.value) for arg in node.args[-1:]):
            self.report(node, MESSAGE)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        """``sys.path += [...]``."""
        self._assigned(node, node.target, node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        """``sys.path = [...]`` and ``sys.path[:] = [...]``."""
        for target in node.targets:
            self._assigned(node, target.target, node.value)

    def _assigned(self, node: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Subscript):
            target = target.value
        if self.ctx.imports.resolve(target) == "sys.path" and self._fixed(value):
            self.report(node, MESSAGE)

    def _fixed(self, node: cst.CSTNode) -> bool:
        """Whether an expression holds a path written in the code: a string, ``__file__``, the
        working directory (``os.getcwd()``, ``Path.cwd()``, ``os.curdir``)."""
        if isinstance(node, (cst.SimpleString, cst.FormattedString)):
            return True
        # ``os.environ["DIR"]`` is a path someone chose; a filter (``[p for p in sys.path if p != ""]``)
        # or a test adds nothing.
        if isinstance(node, (cst.Subscript, cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.Comparison)):
            return False
        if isinstance(node, cst.Name):
            return node.value == "__file__"
        if isinstance(node, (cst.Attribute, cst.Call)):
            name = self.ctx.imports.resolve(node.func if isinstance(node, cst.Call) else node) or ""
            if name in WORKING_DIRECTORY:
                return True
        return any(self._fixed(child) for child in node.children)
