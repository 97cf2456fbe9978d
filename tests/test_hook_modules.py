"""The agent registry and what the hook modules import: every agent comes from its adapter module
alone (the command line's choices and `init`'s settings too); an adapter needs only the protocol,
the hook server never the command line, and its client half only the standard library
(tests/test_layers.py checks that no module imports one that imports it back)."""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

import pytest

from reviewbot.arguments import build_parser
from reviewbot.cli import main
from reviewbot.hooks.adapters import ADAPTERS
from reviewbot.hooks.protocol import Adapter, Event, Install, Reply
from tests.conftest import make_repo

PACKAGE = Path(__file__).resolve().parent.parent / "reviewbot"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports(module: str) -> set[str]:
    """The reviewbot modules ``module`` imports anywhere in its text (a name imported from a package
    that is a module of its own counts as that module)."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in MODULES and name != module}


def reachable(start: str) -> set[str]:
    """Every reviewbot module ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for name in imports(todo.pop()) - seen:
            seen.add(name)
            todo.append(name)
    return seen


def test_the_hook_server_never_imports_the_command_line():
    assert "reviewbot.cli" not in reachable("reviewbot.hookserver")


def test_the_hook_servers_client_half_uses_the_standard_library_only():
    # It runs first for every hook event, before anything of reviewbot is loaded (reviewbot.__main__).
    tree = ast.parse(MODULES["reviewbot.hookclient"].read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module is not None}
    assert {name.split(".")[0] for name in names} - {"__future__"} <= set(sys.stdlib_module_names)


def test_an_adapter_needs_nothing_of_reviewbot_but_the_protocol():
    for adapter in ADAPTERS.values():
        assert imports(adapter.__module__) == {"reviewbot.hooks.protocol"}, adapter.__module__


def test_every_agents_hooks_start_the_server_at_the_sessions_start():
    for agent, adapter in ADAPTERS.items():
        assert adapter.agent == agent and adapter.title
        assert next(iter(adapter.install.events)).lower() == "sessionstart", agent


def subcommand(name: str) -> argparse.ArgumentParser:
    """The parser of ``reviewbot NAME``."""
    [commands] = [action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)]
    return commands.choices[name]


def argument(parser: argparse.ArgumentParser, flag: str | None) -> argparse.Action:
    """The argument ``flag`` of ``parser`` (``None``: its positional one)."""
    [found] = [action for action in parser._actions if (flag in action.option_strings if flag else not action.option_strings)]
    return found


class Example(Adapter):
    """An agent the registry did not know: what adding one module to ``reviewbot/hooks/adapters`` gives."""

    agent = "example"
    title = "Example Agent"
    install = Install(".example/hooks.json", {"onStart": None, "afterEdit": "write"}, version=2)

    def event(self, data: dict[str, object]) -> Event:
        return Event("none", Path("."))

    def tell(self, event: Event, text: str) -> Reply:
        return Reply(0, text)


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> type[Adapter]:
    monkeypatch.setitem(ADAPTERS, Example.agent, Example)
    return Example


def test_the_command_lines_agents_are_the_registrys(example):
    # `reviewbot hook AGENT` accepts exactly the registry's agents (the new one too), and
    # `init --agent` names them.
    assert tuple(argument(subcommand("hook"), None).choices or ()) == tuple(ADAPTERS)
    assert "example" in argument(subcommand("hook"), None).choices
    assert f"some of: {','.join(ADAPTERS)} " in str(argument(subcommand("init"), "--agent").help)
    assert "Example Agent in .example/hooks.json" in str(subcommand("init").description)


def test_init_writes_a_new_agents_hooks_as_its_adapter_declares_them(example, tmp_path, monkeypatch, capsys):
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": ""})
    monkeypatch.chdir(repo)
    assert main(["init", "--only", "hooks", "--agent", "example"]) == 0
    written = json.loads((repo / ".example/hooks.json").read_text())
    assert written == {
        "version": 2,
        "hooks": {
            "onStart": [{"hooks": [{"type": "command", "command": "reviewbot hook example"}]}],
            "afterEdit": [{"matcher": "write", "hooks": [{"type": "command", "command": "reviewbot hook example"}]}],
        },
    }
    capsys.readouterr()
    # An agent the registry does not hold is refused, with the registry's names.
    assert main(["init", "--agent", "exampel"]) == 2
    assert f"did you mean 'example'?) (agents: {', '.join(ADAPTERS)})" in capsys.readouterr().err


def test_every_registered_agent_has_its_events_in_the_tests():
    from tests.test_hook_agents import EDITS, STOPS
    from tests.test_hookserver import SESSION_STARTS

    assert set(EDITS) == set(STOPS) == set(SESSION_STARTS) == set(ADAPTERS)
