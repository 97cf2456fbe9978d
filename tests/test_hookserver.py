"""The hook server: events after the first are answered by a resident process, exactly as the
hook's own process answers them; whenever no server answers, nothing is lost."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewbot import hookserver
from tests.conftest import HookServers, make_repo, run_reviewbot
from tests.test_hook_agents import BAD, DOC, EDITS, GOOD, RULE, STOPS


@pytest.fixture(scope="module")
def servers() -> Iterator[HookServers]:
    """One server for the module's tests (they run the same reviewbot), ended after them."""
    found = HookServers()
    yield found
    found.stop()


def new_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/old.py": DOC, "notes.txt": "x\n"})


def conversation(agent: str, repo: Path, env: dict[str, str]) -> list[tuple[int, str, str]]:
    """A session's events, each answered: a violating edit, the same again, a stop, a stop in a
    loop, the fix, another file, a stop."""
    events = []
    (repo / "app/new.py").write_text(BAD)
    events += [EDITS[agent](repo, "app/new.py"), EDITS[agent](repo, "app/new.py"), STOPS[agent](repo, False), STOPS[agent](repo, True)]
    replies = [run_reviewbot(repo, "hook", agent, stdin=json.dumps(event), env=env) for event in events]
    (repo / "app/new.py").write_text(GOOD)
    for event in (EDITS[agent](repo, "app/new.py"), EDITS[agent](repo, "notes.txt"), STOPS[agent](repo, False)):
        replies.append(run_reviewbot(repo, "hook", agent, stdin=json.dumps(event), env=env))
    return [(reply.code, reply.stdout, reply.stderr) for reply in replies]


@pytest.mark.slow
@pytest.mark.parametrize("agent", sorted(EDITS))
def test_the_server_answers_every_agent_exactly_as_the_hooks_own_process(agent, servers, tmp_path):
    # The first event starts the server (when none runs yet) and is answered by its own process.
    warm = new_repo(tmp_path / "warm")
    run_reviewbot(warm, "hook", agent, stdin=json.dumps(EDITS[agent](warm, "app/old.py")), env=servers.env)
    servers.listening()
    alone = conversation(agent, new_repo(tmp_path / "alone"), {"REVIEWBOT_HOOK_SERVER": "off"})
    before = len(servers.answered())
    served_repo = new_repo(tmp_path / "served")
    served = conversation(agent, served_repo, servers.env)
    assert served == alone
    assert RULE in served[0][1] + served[0][2]
    # Every event of the served session was answered by the server, in the repository's directory.
    lines = servers.answered()[before:]
    assert len(lines) == len(served) and all(f" {agent} {served_repo} status " in line for line in lines)


SESSION_STARTS = {
    "claude-code": lambda repo: {"session_id": "s1", "hook_event_name": "SessionStart", "cwd": str(repo), "source": "startup"},
    "cursor": lambda repo: {"conversation_id": "c1", "hook_event_name": "sessionStart", "workspace_roots": [str(repo)]},
    "gemini": lambda repo: {"session_id": "s1", "hook_event_name": "SessionStart", "cwd": str(repo), "trigger": "startup"},
    "codex": lambda repo: {"session_id": "s1", "hook_event_name": "SessionStart", "cwd": str(repo), "source": "startup"},
    "copilot": lambda repo: {"timestamp": 1704614400000, "cwd": str(repo), "source": "new", "initialPrompt": "Add a feature"},
}


@pytest.mark.slow
@pytest.mark.parametrize("agent", sorted(SESSION_STARTS))
def test_the_session_start_starts_the_server_for_the_first_edit(agent, tmp_path):
    servers = HookServers()
    try:
        repo = new_repo(tmp_path)
        start = run_reviewbot(repo, "hook", agent, stdin=json.dumps(SESSION_STARTS[agent](repo)), env=servers.env)
        # Nothing to tell: the agent carries on, and hears nothing.
        assert start.code == 0 and start.stderr == "" and start.stdout in ("", "{}\n")
        servers.listening()
        (repo / "app/new.py").write_text(BAD)
        first = run_reviewbot(repo, "hook", agent, stdin=json.dumps(EDITS[agent](repo, "app/new.py")), env=servers.env)
        assert RULE in first.stdout + first.stderr
        assert [line.split()[1:3] for line in servers.answered()] == [[agent, str(repo)]]
    finally:
        servers.stop()


@pytest.mark.slow
def test_the_client_answers_what_the_server_does_not(servers, tmp_path):
    repo = new_repo(tmp_path)
    (repo / "app/new.py").write_text(BAD)
    event = json.dumps(EDITS["claude-code"](repo, "app/new.py"))
    run_reviewbot(repo, "hook", "claude-code", stdin=json.dumps(EDITS["claude-code"](repo, "notes.txt")), env=servers.env)
    servers.listening()
    before = len(servers.answered())
    # A usage error and --help: the server leaves them to the client, which says what is wrong.
    wrong = run_reviewbot(repo, "hook", "claude-code", "--max-findings", "0", stdin=event, env=servers.env)
    assert wrong.code == 1 and "--max-findings" in wrong.stderr and RULE not in wrong.stderr
    assert "Read one hook event" in run_reviewbot(repo, "hook", "--help", env=servers.env).stdout
    assert len(servers.answered()) == before
    # The working directory is the client's: a config named relative to it is found.
    (repo / "quiet.yml").write_text("ignore: [RB101]\n")
    quiet = run_reviewbot(repo / "app", "hook", "claude-code", "--config", "../quiet.yml", stdin=event, env=servers.env)
    assert (quiet.code, quiet.stderr) == (0, "")
    loud = run_reviewbot(repo / "app", "hook", "claude-code", stdin=event, env=servers.env)
    assert loud.code == 2 and RULE in loud.stderr
    assert len(servers.answered()) == before + 2


@pytest.mark.slow
def test_a_server_that_fails_to_reply_costs_no_finding(tmp_path, monkeypatch):
    servers = HookServers()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(servers.directory))
    monkeypatch.setenv("REVIEWBOT_HOOK_SERVER", "on")
    where = hookserver.address()
    assert where is not None
    # Something listens on the socket and hangs up on every event, as a child that died would.
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(where)
    listener.listen(8)

    accepted = []

    def hang_up() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)
            connection.close()

    threading.Thread(target=hang_up, daemon=True).start()
    try:
        repo = new_repo(tmp_path)
        (repo / "app/new.py").write_text(BAD)
        result = run_reviewbot(repo, "hook", "claude-code", stdin=json.dumps(EDITS["claude-code"](repo, "app/new.py")), env=servers.env)
        assert result.code == 2 and RULE in result.stderr
        # The event went to the listener first (and afterwards, the client saw it listening and
        # started no server).
        assert accepted and not servers.answered()
    finally:
        listener.close()
        servers.stop()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the server's children in /proc")
def test_a_child_that_dies_costs_no_finding(servers, tmp_path):
    repo = new_repo(tmp_path)
    run_reviewbot(repo, "hook", "claude-code", stdin=json.dumps(EDITS["claude-code"](repo, "notes.txt")), env=servers.env)
    server = int(servers.listening().with_suffix(".lock").read_text().split()[0])
    before = len(servers.answered())
    # Long enough that the check is still running when the child is killed, as a crash of LibCST's
    # native parser would end it.
    body = "".join(f'def f{n}(x: int) -> int:\n    """F."""\n    return x\n\n\n' for n in range(4000))
    (repo / "app/new.py").write_text(BAD + body)
    event = tmp_path / "event.json"
    event.write_text(json.dumps(EDITS["claude-code"](repo, "app/new.py")))
    # Children of earlier connections (the probes of ``listening``) are not this event's.
    earlier = set(children(server))
    with event.open() as stdin:
        hook = subprocess.Popen(
            [shutil.which("reviewbot") or "reviewbot", "hook", "claude-code"],
            cwd=repo,
            env={**os.environ, **servers.env},
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    try:
        while True:
            assert hook.poll() is None, "the hook ended before the server's child for its event was seen"
            new = set(children(server)) - earlier
            time.sleep(0.5)
            # The event's child outlives the short ones of probing connections.
            lasting = new & set(children(server))
            if lasting:
                break
        os.kill(lasting.pop(), signal.SIGKILL)
        _, stderr = hook.communicate(timeout=300)
    finally:
        hook.kill()  # a hook left running would start a server of its own after the test
    # The hook's own process answered: the finding is there, and the server logged nothing.
    assert hook.returncode == 2 and RULE in stderr
    assert len(servers.answered()) == before


def test_the_socket_lives_only_in_a_directory_of_the_users_own(monkeypatch):
    servers = HookServers()
    monkeypatch.setenv("REVIEWBOT_HOOK_SERVER", "on")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(servers.directory))
    directory = servers.directory / f"reviewbot-{os.getuid()}"
    try:
        where = hookserver.address()
        assert where is not None and Path(where).parent == directory
        assert directory.stat().st_mode & 0o777 == 0o700
        # One that others can enter, or a link to elsewhere, is not used.
        directory.chmod(0o755)
        assert hookserver.address() is None
        directory.rmdir()
        (servers.directory / "elsewhere").mkdir(mode=0o700)
        directory.symlink_to(servers.directory / "elsewhere")
        assert hookserver.address() is None
        monkeypatch.setenv("REVIEWBOT_HOOK_SERVER", "off")
        assert hookserver.address() is None
    finally:
        servers.stop()


def test_a_path_too_long_for_a_socket_means_no_server(tmp_path, monkeypatch):
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    monkeypatch.setenv("REVIEWBOT_HOOK_SERVER", "on")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    assert hookserver.address() is None


@pytest.mark.slow
def test_one_server_per_socket_and_only_for_its_own_reviewbot(servers, tmp_path):
    repo = new_repo(tmp_path)
    run_reviewbot(repo, "hook", "claude-code", stdin=json.dumps(EDITS["claude-code"](repo, "notes.txt")), env=servers.env)
    where = servers.listening()
    # Another server for the same socket, or for a socket named for other code, leaves at once.
    for socket_path in (where, where.with_name("0" * 24 + ".sock")):
        started = subprocess.run([sys.executable, "-m", "reviewbot.hookserver", str(socket_path)], capture_output=True, text=True, timeout=120)
        assert started.returncode == 0 and started.stderr == ""
    assert servers.listening() == where and not where.with_name("0" * 24 + ".sock").exists()


@pytest.mark.slow
def test_warnings_reach_the_agent_as_from_its_own_process(servers, tmp_path):
    # `packs: [auto]` with no agent file to choose rules: a warning, on standard error.
    replies = []
    for name, env in (("alone", {"REVIEWBOT_HOOK_SERVER": "off"}), ("served", servers.env)):
        repo = make_repo(tmp_path / name, {"app/__init__.py": "", ".reviewbot.yml": "packs: [auto]\n"})
        (repo / "app/new.py").write_text(BAD)
        run_reviewbot(repo, "hook", "claude-code", stdin=json.dumps(EDITS["claude-code"](repo, "notes.txt")), env=env)
        if name == "served":
            servers.listening()
        result = run_reviewbot(repo, "hook", "claude-code", stdin=json.dumps(EDITS["claude-code"](repo, "app/new.py")), env=env)
        replies.append((result.code, result.stdout, result.stderr.replace(str(repo), "REPO")))
    assert replies[0] == replies[1] and "packs: [auto] found no rule in the agent files of REPO" in replies[0][2]


@pytest.mark.slow
def test_help_at_a_terminal_is_answered_at_once(servers, tmp_path):
    leader, follower = os.openpty()
    try:
        # Standard input is a terminal nobody types into: nothing may wait for it.
        result = subprocess.run(
            [shutil.which("reviewbot") or "reviewbot", "hook", "--help"],
            stdin=follower,
            capture_output=True,
            text=True,
            env={**os.environ, **servers.env},
            cwd=tmp_path,
            timeout=60,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert result.returncode == 0 and "Read one hook event" in result.stdout


@pytest.mark.slow
def test_a_server_ended_leaves_no_process_id_behind(tmp_path):
    servers = HookServers()
    try:
        repo = new_repo(tmp_path)
        run_reviewbot(repo, "hook", "claude-code", stdin=json.dumps(EDITS["claude-code"](repo, "notes.txt")), env=servers.env)
        lock = servers.listening().with_suffix(".lock")
        os.kill(int(lock.read_text()), signal.SIGTERM)
        deadline = time.monotonic() + 60
        while lock.with_suffix(".sock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        # Its socket removed, and its process id no longer named (another process may take it).
        assert not lock.with_suffix(".sock").exists() and lock.read_text() == ""
    finally:
        servers.stop()


def test_a_server_ended_while_it_starts_leaves_no_process_id_behind(monkeypatch):
    servers = HookServers()
    monkeypatch.setenv("REVIEWBOT_HOOK_SERVER", "on")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(servers.directory))
    try:
        where = hookserver.address()
        assert where is not None
        lock = Path(where).with_suffix(".lock")
        server = subprocess.Popen([sys.executable, "-m", "reviewbot.hookserver", where], cwd=Path(where).parent)
        while not (lock.exists() and lock.read_text()):
            assert server.poll() is None
        # Still loading LibCST and the rules, most likely: ended all the same, and cleanly.
        server.terminate()
        assert server.wait(timeout=60) == 0
        assert lock.read_text() == "" and not Path(where).exists()
    finally:
        servers.stop()


@pytest.mark.slow
def test_removing_its_socket_ends_a_server(tmp_path):
    servers = HookServers()
    try:
        repo = new_repo(tmp_path)
        run_reviewbot(repo, "hook", "claude-code", stdin=json.dumps(EDITS["claude-code"](repo, "notes.txt")), env=servers.env)
        where = servers.listening()
        lock = where.with_suffix(".lock")
        where.unlink()
        # It looks at its socket every half minute; gone, it leaves and clears its process id.
        deadline = time.monotonic() + 90
        while lock.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert lock.read_text() == ""
    finally:
        servers.stop()


def test_an_import_path_relative_to_the_working_directory_means_no_server(monkeypatch, tmp_path):
    servers = HookServers()
    monkeypatch.setenv("REVIEWBOT_HOOK_SERVER", "on")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(servers.directory))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lib").mkdir()
    try:
        # A path hook's name (an editable install's) is no directory: no matter.
        monkeypatch.setattr(sys, "path", [*sys.path, "__editable__.finder.__path_hook__"])
        assert hookserver.address() is not None
        monkeypatch.setattr(sys, "path", [*sys.path, "lib"])
        assert hookserver.address() is None
    finally:
        servers.stop()


def test_a_reply_counts_as_told_once_delivered(tmp_path, monkeypatch):
    from reviewbot.hooks import HookOptions, run

    repo = new_repo(tmp_path)
    (repo / "app/new.py").write_text(BAD)
    monkeypatch.chdir(repo)
    event = json.dumps(EDITS["claude-code"](repo, "app/new.py"))
    # Not delivered (the agent ended the hook first): told again next time.
    assert RULE in run("claude-code", event, HookOptions()).stderr
    reply = run("claude-code", event, HookOptions())
    assert RULE in reply.stderr
    reply.delivered()
    assert run("claude-code", event, HookOptions()).status == 0
