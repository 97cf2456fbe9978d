"""Shared helpers: scanning snippets in an example project, and real git repositories."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from reviewbot.config import Settings, build_settings
from reviewbot.engine import scan_source
from reviewbot.model import Finding, Project

# The project every rule example lives in: root package ``app`` with an ``app/services`` package.
EXAMPLE_PROJECT = Project(roots={"app": "app"}, inner={"services": "app"})


def settings(config: dict[str, Any] | None = None, project: Project = EXAMPLE_PROJECT) -> Settings:
    """Settings for ``config`` (default: none) in the example project."""
    return dataclasses.replace(build_settings(config or {}), project=project)


def scan(code: str | bytes, path: str = "app/service.py", config: dict[str, Any] | None = None) -> list[Finding]:
    """Findings for one snippet."""
    data = code.encode() if isinstance(code, str) else code
    return scan_source(path, data, settings(config))


def lines_of(findings: list[Finding], rule: str) -> list[int]:
    """Sorted start lines of one rule's findings."""
    return sorted(finding.line for finding in findings if finding.rule == rule)


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its output."""
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def make_repo(root: Path, files: dict[str, str | bytes], commit: bool = True) -> Path:
    """A real git repository holding ``files``."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "user.name", "Test")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if commit:
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "initial")
    return root


@dataclasses.dataclass
class Result:
    """A finished ``reviewbot`` process."""

    code: int
    stdout: str
    stderr: str


def run_reviewbot(cwd: Path, *args: str) -> Result:
    """Run the installed ``reviewbot`` console script."""
    executable = shutil.which("reviewbot")
    if executable is None:
        pytest.fail("the reviewbot console script is not installed (pip install -e '.[test]')")
    process = subprocess.run([executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    return Result(process.returncode, process.stdout, process.stderr)
