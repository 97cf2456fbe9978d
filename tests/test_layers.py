"""reviewbot's own layers: one direction of dependencies, checked two ways.

No import cycle in the package, counting imports inside functions and under ``TYPE_CHECKING``
(they are dependencies all the same); and the layering in ``[tool.reviewbot]`` (RB502, which
``.ci/run`` gates on) reports an import that goes the wrong way.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from reviewbot.engine import scan_source
from reviewbot.model import Finding, Project
from tests.conftest import settings

ROOT = Path(__file__).resolve().parent.parent


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in (ROOT / "reviewbot").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules ``name`` imports anywhere in its text."""

    def module(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], *([base] if base else [])])
            # ``from package import module`` depends on the module, else on the package.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        found |= {target for target in map(module, targets) if target is not None and target != name}
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_package_has_no_import_cycle():
    known = modules()
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    # The graph is read whole: a module importing another inside a function counts.
    assert "reviewbot.checks.base" in graph["reviewbot.packs"]
    assert cycles(graph) == []


def layer_findings(path: str, code: str) -> list[Finding]:
    """RB502's findings for ``code`` at ``path`` of this repository, under its own config."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["reviewbot"]
    project = Project(roots={"reviewbot": "reviewbot"})
    return [f for f in scan_source(path, code.encode(), settings(config, project)) if f.rule == "RB502"]


def test_the_configured_layers_report_an_import_the_wrong_way():
    # The rule layer importing the command line: reported, as in CI's own scan.
    assert len(layer_findings("reviewbot/checks/naming.py", '"""Rules."""\nfrom reviewbot.cli import main\n')) == 1
    # The core importing the engine, and the engine importing the config: reported.
    assert len(layer_findings("reviewbot/model.py", '"""Values."""\nfrom reviewbot.engine import scan_file\n')) == 1
    # The command line importing the rules: the right way.
    assert layer_findings("reviewbot/cli.py", '"""Commands."""\nfrom reviewbot.checks import RULES\n') == []


def configured_layers() -> list[list[str]]:
    """``[tool.reviewbot.architecture] layers``, high to low, each level's module prefixes."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["reviewbot"]
    return [[name.strip() for name in level.split("|")] for level in config["architecture"]["layers"]]


def test_every_module_has_a_layer():
    prefixes = [prefix for level in configured_layers() for prefix in level]
    unplaced = [name for name in modules() if name != "reviewbot" and not any(name == p or name.startswith(p + ".") for p in prefixes)]
    assert unplaced == []


def test_the_package_keeps_to_its_layers():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["reviewbot"]
    checked = settings({**config, "select": ["RB502"]}, Project(roots={"reviewbot": "reviewbot"}))
    found = [
        f"{finding.path}:{finding.line} {finding.message}"
        for path in modules().values()
        for finding in scan_source(path.relative_to(ROOT).as_posix(), path.read_bytes(), checked)
    ]
    assert found == []


def test_inside_a_layer_the_packages_keep_their_own_order():
    known = modules()

    def own(name: str) -> set[str]:
        return imports_of(name, known[name], known)

    # The hook protocol and the package's own module import nothing of reviewbot: an adapter that
    # imports the protocol brings nothing else along.
    assert own("reviewbot.hooks") == set() and own("reviewbot.hooks.protocol") == set()
    adapters = [name for name in known if name.startswith("reviewbot.hooks.adapters.")]
    assert adapters and all(own(name) <= {"reviewbot.hooks.protocol"} for name in adapters)
    # A format imports what every format shares, never another format.
    formats = [name for name in known if name.startswith("reviewbot.report.") and name.rpartition(".")[2] not in ("base", "registry")]
    assert formats and all(own(name) <= {"reviewbot", "reviewbot.report.base", "reviewbot.model", "reviewbot.escape"} for name in formats)
