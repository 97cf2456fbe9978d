"""Shared helpers: scanning snippets in an example project, real git repositories, and reviewbot
built and installed the way users get it (the installed-wheel stage)."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import io
import os
import pty
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reviewbot.config import Settings, build_settings
from reviewbot.model import Finding, Project

# Hook events are answered in their own process, so that no hook server outlives a test; the tests
# of the server (tests/test_hookserver.py) start their own, in directories of their own.
os.environ["REVIEWBOT_HOOK_SERVER"] = "off"
# Servers look at their socket and reviewbot's files ten times a second, not every 30 s.
os.environ["REVIEWBOT_HOOK_SERVER_LOOK"] = "0.1"
# The suite starts reviewbot hundreds of times: let Python keep the bytecode it compiles (in the
# ignored ``__pycache__`` folders) even where the environment asks it not to, rather than compile
# reviewbot's modules again in every process.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
# Colour is asked for by the tests that look at it, never by the environment the suite runs in.
for variable in ("FORCE_COLOR", "NO_COLOR"):
    os.environ.pop(variable, None)
sys.dont_write_bytecode = False

# The project every rule example lives in: root package ``app`` with an ``app/services`` package.
EXAMPLE_PROJECT = Project(roots={"app": "app"}, inner={"services": "app"})


def settings(config: dict[str, Any] | None = None, project: Project = EXAMPLE_PROJECT) -> Settings:
    """Settings for ``config`` (default: none) in the example project."""
    return dataclasses.replace(build_settings(config or {}), project=project)


def scan(code: str | bytes, path: str = "app/service.py", config: dict[str, Any] | None = None) -> list[Finding]:
    """Findings for one snippet, the project phase's over it included."""
    return scan_files({path: code}, config)


def scan_files(files: dict[str, str | bytes], config: dict[str, Any] | None = None, project: Project = EXAMPLE_PROJECT) -> list[Finding]:
    """Findings for a few files scanned together: each file's, then the project phase's over them all."""
    from reviewbot.engine import scan_file
    from reviewbot.session import phase2

    chosen = settings(config, project)
    results = {path: scan_file(path, code.encode() if isinstance(code, str) else code, chosen) for path, code in files.items()}
    found = [finding for result in results.values() for finding in result.findings]
    found += phase2(chosen, {path: result.facts for path, result in results.items()}, None)[0]
    return sorted(found, key=lambda finding: finding.sort_key)


def escaping(code: str, path: str = "app/x.py", config: dict[str, Any] | None = None) -> list[int]:
    """Lines of the external calls whose failure no ``try`` of their function catches: the facts
    RB201 follows to a boundary (tests/test_failures.py)."""
    from reviewbot.engine import scan_file

    facts = scan_file(path, code.encode(), settings(config)).facts
    return sorted(call.line for flow in facts.flows for call in flow.calls if call.external)


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


def run_reviewbot(
    cwd: Path, *args: str, installed: Installed | None = None, stdin: str | None = None, env: dict[str, str] | None = None
) -> Result:
    """Run a ``reviewbot`` console script: the development install's, or ``installed``'s; ``env``
    adds to (or overrides) the environment."""
    executable = shutil.which("reviewbot") if installed is None else str(installed.bin / "reviewbot")
    if executable is None:
        pytest.fail("the reviewbot console script is not installed (pip install -e '.[test]')")
    env = {**(installed.env if installed is not None else os.environ), **(env or {})}
    process = subprocess.run([executable, *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=300)
    return Result(process.returncode, process.stdout, process.stderr)


def run_main(cwd: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    """``reviewbot ARGS`` in this process, for tests of what a command does where starting the
    console script is not the point (the command line runs more than once in a process by design:
    the hook server's children do): the same exit status and output, without a Python start."""
    from reviewbot.cli import main

    saved_cwd, saved_env, saved_stdin = os.getcwd(), dict(os.environ), sys.stdin
    out, err = io.StringIO(), io.StringIO()
    os.chdir(cwd)
    os.environ.update(env or {})
    sys.stdin = io.StringIO(stdin or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else 2
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.stdin = saved_stdin
    return Result(code, out.getvalue(), err.getvalue())


def on_a_terminal(command: list[str], cwd: Path, env: dict[str, str], stream: str = "stdout") -> bytes:
    """What ``command`` writes to ``stream`` (``stdout`` or ``stderr``) when that is a terminal."""
    leader, follower = pty.openpty()
    streams = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, stream: follower}
    subprocess.run(command, cwd=cwd, env=env, timeout=120, **streams)  # type: ignore[call-overload]
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal is closed once everything has been read
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    return output


class HookServers:
    """A directory of its own for hook servers' sockets, and the servers started in it.

    Under /tmp with a short name: a socket's path has room for about a hundred bytes.
    """

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="rb-"))

    @property
    def env(self) -> dict[str, str]:
        """What a ``reviewbot hook`` process needs to use (and start) a server here."""
        return {"REVIEWBOT_HOOK_SERVER": "on", "XDG_RUNTIME_DIR": str(self.directory)}

    def listening(self, besides: tuple[Path, ...] = ()) -> Path:
        """The socket of a server that accepts connections (not one of ``besides``), once one does."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for path in self.directory.glob("reviewbot-*/*.sock"):
                with socket.socket(socket.AF_UNIX) as probe:
                    if path not in besides and probe.connect_ex(str(path)) == 0:
                        return path
            time.sleep(0.05)
        pytest.fail(f"no hook server listens in {self.directory} after 60 s")

    def answered(self) -> list[str]:
        """The events the servers answered, one log line each."""
        return [line for log in sorted(self.directory.glob("reviewbot-*/*.log")) for line in log.read_text().splitlines()]

    def stop(self) -> None:
        """End every server (each lock file holds its process id) and wait until its socket is gone."""
        for lock in self.directory.glob("reviewbot-*/*.lock"):
            try:
                os.kill(int(lock.read_text().split()[0]), signal.SIGTERM)
            except (OSError, ValueError, IndexError):
                continue
            deadline = time.monotonic() + 10
            while lock.with_suffix(".sock").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        shutil.rmtree(self.directory, ignore_errors=True)


# --- the installed-wheel stage: built once per test run ------------------------------------------
ROOT = Path(__file__).resolve().parent.parent
# Variables that could let a child process import something other than what it installed.
LEAKY_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")


def checked(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run ``command``; fail the test with its output if it fails."""
    process = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if process.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {process.returncode}:\n{process.stdout}\n{process.stderr}")
    return process.stdout


def copy_checkout(target: Path) -> Path:
    """The files a fresh clone would have (plus untracked ones git does not ignore) at ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True
    )
    if listed.returncode != 0:  # not a git checkout (an unpacked sdist, say): copy what is there
        shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", ".*cache"))
        return target
    for name in listed.stdout.split("\0"):
        if name and (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def clean_env(bin_directory: Path | None = None) -> dict[str, str]:
    """This process's environment without what leaks imports, ``bin_directory`` first on PATH."""
    env = {key: value for key, value in os.environ.items() if key not in LEAKY_VARIABLES}
    if bin_directory is not None:
        env["PATH"] = f"{bin_directory}{os.pathsep}{env.get('PATH', '')}"
    return env


@dataclasses.dataclass(frozen=True)
class Wheelhouse:
    """reviewbot's sdist and wheel, and wheels of everything installing them needs, in one folder."""

    directory: Path
    wheel: Path
    sdist: Path

    def pip_env(self) -> dict[str, str]:
        """Settings that make pip install from this folder only (offline, and fast)."""
        return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(self.directory), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@dataclasses.dataclass(frozen=True)
class Installed:
    """reviewbot installed from its wheel into a fresh virtual environment without system site packages."""

    venv: Path

    @property
    def bin(self) -> Path:
        """The environment's scripts: ``python``, ``pip``, ``reviewbot``."""
        return self.venv / "bin"

    @property
    def env(self) -> dict[str, str]:
        """An environment in which ``reviewbot`` and ``python`` are this installation's."""
        return {**clean_env(self.bin), "VIRTUAL_ENV": str(self.venv)}


def new_venv(path: Path) -> Path:
    """A fresh virtual environment at ``path`` that sees none of this interpreter's packages."""
    checked([sys.executable, "-m", "venv", str(path)])
    return path


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]) -> Path:
    """``name``'s directory, which ``build`` fills once per test run: with pytest-xdist each worker
    has its own session, so the first to ask builds while the others wait for it, then all reuse it."""
    base = tmp_path_factory.getbasetemp()
    # Workers' temporary directories share one parent (``popen-gw0``, ``popen-gw1``, …).
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    target = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".built").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            build(target)
            (target / ".built").touch()
    return target


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Wheelhouse:
    """Build reviewbot as a release is built: the sdist from a clean copy, the wheel from the sdist.

    Building the wheel from the sdist (what ``python -m build`` does) proves the sdist is complete.
    The dependencies' wheels and setuptools join them, so installs need no index afterwards.
    """

    def build(work: Path) -> None:
        source = copy_checkout(work / "source")
        wheels = work / "wheels"
        checked([sys.executable, "-m", "build", "--outdir", str(wheels), str(source)], env=clean_env())
        [wheel] = wheels.glob("reviewbot-*.whl")
        # With the extra `reviewbot gitlab` needs: the shared installation has every command.
        checked([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheels), f"{wheel}[gitlab]", "setuptools>=64"], env=clean_env())

    wheels = built_once(tmp_path_factory, "wheelhouse", build) / "wheels"
    [wheel] = wheels.glob("reviewbot-*.whl")
    [sdist] = wheels.glob("reviewbot-*.tar.gz")
    return Wheelhouse(wheels, wheel, sdist)


def install(wheelhouse: Wheelhouse, work: Path) -> Installed:
    """``pip install 'reviewbot[gitlab]'`` from the wheel into a fresh venv in ``work``, from outside the checkout."""
    venv = new_venv(work / "venv")
    (work / "elsewhere").mkdir()
    checked([str(venv / "bin" / "pip"), "install", "--quiet", "reviewbot[gitlab]"], cwd=work / "elsewhere", env={**clean_env(), **wheelhouse.pip_env()})
    return Installed(venv)


@pytest.fixture(scope="session")
def installed(wheelhouse: Wheelhouse, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """reviewbot as users install it, shared by every test of the run: none may change its files."""
    return Installed(built_once(tmp_path_factory, "installed", lambda work: install(wheelhouse, work)) / "venv")


@pytest.fixture
def own_installation(wheelhouse: Wheelhouse, tmp_path: Path) -> Installed:
    """An installation for one test alone, which may change its files (an upgrade, a rewritten pack)
    while other tests run in parallel on the shared one."""
    return install(wheelhouse, tmp_path / "installation")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers more than this process's CPUs, since many tests wait on a
    subprocess, git, a socket or a deadline rather than compute (on 2 CPUs: 4 workers, 175 s for
    the suite against 235 s with 3)."""
    return len(os.sched_getaffinity(0)) + 2 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) + 2
