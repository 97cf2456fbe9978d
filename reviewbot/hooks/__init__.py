"""``reviewbot hook claude-code``: tell a coding agent about broken rules while it writes.

Claude Code runs hooks with one event as JSON on standard input. Only exit status 2 with a
message on standard error reaches the model, so that is how findings are reported: after a
``Write``/``Edit``/``MultiEdit`` of a Python file (``PostToolUse``), and when the agent wants to
stop (``Stop``/``SubagentStop``, unless ``stop_hook_active`` says it is already continuing because
of a hook). A failure of reviewbot itself exits 1: the user sees it, the agent is never trapped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from reviewbot.errors import ReviewbotError
from reviewbot.escape import printable
from reviewbot.model import Finding

# The tools whose edits are checked.
EDIT_TOOLS = frozenset({"Write", "Edit", "MultiEdit"})
# Exit statuses Claude Code understands: 2 blocks and shows stderr to the model.
PASS, BLOCK, BROKEN = 0, 2, 1


@dataclass(frozen=True)
class HookOptions:
    """The flags of ``reviewbot hook claude-code``."""

    # ``None``: the config's ``fail-on``, else error.
    fail_on: str | None = None
    max_findings: int = 20
    diff: str = "HEAD"
    config: Path | None = None


def run(stdin: str, options: HookOptions) -> tuple[int, str]:
    """Exit status and standard-error text for one hook event.

    Standard output stays empty: Claude Code shows the model only standard error, on exit 2.
    """
    try:
        event = json.loads(stdin)
        if not isinstance(event, dict):
            raise ValueError("not a JSON object")
    except (ValueError, RecursionError) as error:
        return BROKEN, f"reviewbot hook: standard input is not a Claude Code hook event (JSON): {error}\n"
    try:
        findings = _findings(event, options)
    except ReviewbotError as error:
        return BROKEN, f"reviewbot hook: {error}\n"
    except Exception as error:  # noqa: BLE001 - never trap the agent in a loop on reviewbot's own failure
        return BROKEN, f"reviewbot hook: internal error: {type(error).__name__}: {error}\n"
    if not findings:
        return PASS, ""
    return BLOCK, message(findings, options.max_findings)


def _findings(event: dict[str, object], options: HookOptions) -> list[Finding]:
    """The findings the event should report, at or above ``--fail-on``.

    Events other than an edit of an existing ``.py`` file or a first stop report nothing.
    """
    name = event.get("hook_event_name")
    cwd = Path(str(event.get("cwd") or "."))
    if name == "PostToolUse":
        tool_input = event.get("tool_input")
        path = tool_input.get("file_path") if isinstance(tool_input, dict) else None
        if event.get("tool_name") not in EDIT_TOOLS or not isinstance(path, str):
            return []
        target = (cwd / path) if not Path(path).is_absolute() else Path(path)
        if target.suffix != ".py" or not target.is_file():
            return []
        return _scan(cwd, options, target)
    if name in ("Stop", "SubagentStop") and not event.get("stop_hook_active"):
        return _scan(cwd, options, None)
    return []


def _scan(start: Path, options: HookOptions, only: Path | None) -> list[Finding]:
    """Changed lines against ``options.diff`` (all of a new file), of one file or of the work tree.

    The same session as ``scan --diff`` with the ``added`` filter, so the agent hears exactly
    what the pre-commit hook and the pull-request review would say.
    """
    from reviewbot.project import find_root, load_settings
    from reviewbot.session import Request, run

    root, is_git = find_root(start)
    if not is_git:
        return []
    files = None
    if only is not None:
        try:
            files = (only.resolve().relative_to(root).as_posix(),)
        except ValueError:
            return []  # outside the repository
        if find_root(only.resolve().parent)[0] != root:
            return []  # inside another repository nested in this one: not this one's to judge
    settings = load_settings(root, options.config, fail_on=options.fail_on)
    result = run(Request(root=root, settings=settings, diff=options.diff, only=files, filter_mode="added"))
    return [finding for finding in result.findings if settings.fails(finding)]


def message(findings: list[Finding], limit: int) -> str:
    """What the model reads: one line per finding with the agent's own rule, then how many more."""
    lines = [f"reviewbot: the code just written breaks {len(findings)} of the project's agent rules. Fix these before going on:"]
    for finding in findings[:limit]:
        quote = f' — agent rule: "{printable(finding.quote)}"' if finding.quote else ""
        hint = f" (fix: {finding.fix.description})" if finding.fix is not None else ""
        lines.append(f"{printable(finding.path)}:{finding.line} {finding.rule} {printable(finding.message)}{quote}{hint}")
    if len(findings) > limit:
        lines.append(f"... and {len(findings) - limit} more (run `reviewbot scan --diff HEAD` to see them all)")
    return "\n".join(lines) + "\n"


