"""The ``reviewbot`` command line's flags, subcommand by subcommand (``reviewbot.cli`` runs them).

Flags mirror Ruff's where they mean the same (``--select``, ``--ignore``, ``--fix``, ``--output``),
so the muscle memory of Python teams carries over.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from reviewbot import __version__
from reviewbot.hooks.adapters import ADAPTERS
from reviewbot.report import registry

# Shown by `reviewbot --help`.
DESCRIPTION = """\
Enforce the rules an AI coding agent was given (imports through the root package, error handling
around external calls, type annotations, comments, architecture, logging, security, tests) on a
repository's Python code. reviewbot parses files with LibCST and never imports or runs them.
"""

# Shown at the end of `reviewbot scan --help`.
SCAN_EPILOG = """\
exit status: 0 = no finding at or above --fail-on, 1 = findings at or above it,
2 = usage, config or environment error.

suppress a finding with `# reviewbot: ignore[RB101]` or `# noqa: RB101` on its line (or on the
first line of its statement), or `# reviewbot: ignore-file[RB401]` in the first 10 lines.
"""


def _codes(text: str) -> list[str]:
    """``"RB1, RB203"`` -> ``["RB1", "RB203"]``; validated later, with the other rule ids."""
    return [code for code in text.replace(" ", "").split(",") if code]


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    """An argparse type for a number above zero."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
        return value

    return parse


def _size(text: str) -> int | None:
    """``--max-memory 4GiB`` -> bytes; ``none`` -> ``None``."""
    from reviewbot.memory import parse_size

    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _shard(text: str) -> tuple[int, int]:
    """``--shard 2/4`` -> ``(2, 4)``; K from 1 to N."""
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise argparse.ArgumentTypeError(f"expected K/N with 1 <= K <= N, e.g. 1/4, got {text!r}")
    return int(index), int(count)


# --trusted-config: where configuration may come from when the work tree is not to be trusted.
TRUSTED_HELP = (
    "read the config (and the baseline it names) from revision REV's git objects, never from the work tree "
    "under review; --config then names a file at REV"
)


def _selection_arguments(parser: argparse.ArgumentParser) -> None:
    """What to scan, with which rules, and how: shared by ``scan`` and ``baseline``."""
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATHS", help="files or directories (default: the repository)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file (default: .reviewbot.yml, else [tool.reviewbot] in pyproject.toml)")
    parser.add_argument("--trusted-config", metavar="REV", help=TRUSTED_HELP)
    parser.add_argument("--select", type=_codes, metavar="CODES", help="only these rules, e.g. RB1,RB203 (replaces config `select`)")
    parser.add_argument("--ignore", type=_codes, metavar="CODES", help="skip these rules (added to config `ignore`)")
    # How the files are scanned: results never depend on these, only the time they take.
    engine = parser.add_argument_group("engine")
    engine.add_argument("--jobs", type=_positive(int), metavar="N", help="worker processes (default: the number of CPUs; 1 scans in this process)")
    engine.add_argument(
        "--file-timeout", type=_positive(float), default=30.0, metavar="SECONDS", help="a file taking longer is reported as RB002 (default: 30)"
    )
    # Absent unless given, so that config `max-memory` applies; `none` is a value of its own.
    engine.add_argument(
        "--max-memory",
        type=_size,
        default=argparse.SUPPRESS,
        metavar="SIZE",
        help="a file whose scan needs more memory (4GiB, 512MiB, none) is reported as RB002 (default: config `max-memory`, else 4GiB; Linux only)",
    )
    engine.add_argument("--no-cache", action="store_true", help="neither read nor write the cache (.reviewbot_cache/)")
    engine.add_argument(
        "--shard", type=_shard, metavar="K/N", help="only the K-th of N disjoint parts of the files (a CI matrix; see `reviewbot merge`)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="reviewbot", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"reviewbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    # In the order `reviewbot --help` lists them: the daily commands first.
    _scan_parser(commands)
    _baseline_parser(commands)
    _github_parser(commands)
    _gitlab_parser(commands)
    _hook_parser(commands)
    _agents_parser(commands)
    _init_parser(commands)
    commands.add_parser(
        "doctor",
        help="check the coding agents' hook settings: an agent that runs reviewbot twice, a hook nobody can run",
        description="Read the repository's hook settings for every agent reviewbot speaks to and say what would make an agent "
        "hear each finding twice (GitHub Copilot and VS Code also run Claude Code's .claude/settings.json; Cursor can) or "
        "not at all (reviewbot not on PATH). Exit status 1 when it finds a problem.",
    )
    _merge_parser(commands)

    # The rule catalogue, as configured (severities can be changed by the config).
    rules = commands.add_parser("rules", help="list every rule with its severity and agent quote")
    rules.add_argument("--format", choices=("text", "markdown"), default="text", help="markdown generates docs/rules.md")
    rules.add_argument("--config", type=Path, metavar="FILE", help="show severities as configured by FILE")

    # One rule in full, always with the built-in pack's defaults.
    explain = commands.add_parser("explain", help="explain one rule, with a flagged and a clean example")
    explain.add_argument("rule", metavar="RULE", help="a rule id (RB201) or name (unguarded-external-call)")
    explain.add_argument(
        "--at", metavar="PATH:LINE",
        help="RB201 only: the path the failure of the external call on this line takes, and why each function on it does or does not handle it",
    )
    return parser


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    """How findings are reported and what fails the gate: shared by ``scan`` and ``merge``."""
    parser.add_argument(
        "--format", "--output-format", dest="format", choices=registry.names(), default=registry.DEFAULT,
        help=f"output format (default: {registry.DEFAULT}; --output-format is the same option, as Ruff and pylint spell it)",
    )
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE instead of standard output")
    parser.add_argument("--fail-on", choices=("error", "warning", "info", "never"), help="lowest severity that makes the exit status 1 (default: error)")
    parser.add_argument("--exit-zero", dest="fail_on", action="store_const", const="never", help="exit 0 even when there are findings (--fail-on never)")
    parser.add_argument(
        "--show", choices=("error", "warning", "info"),
        help="text format: list only findings at or above this severity (the summary still counts every one; the gate is --fail-on's)",
    )


def _scan_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``reviewbot scan``: what to scan, how to report, changed-lines mode, baselines."""
    scan = commands.add_parser(
        "scan",
        help="scan the repository (or PATHS) and report findings",
        description="Scan the git repository containing the current directory (honouring .gitignore "
        "and config `exclude`), or just PATHS, and report findings.",
        epilog=SCAN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # What to scan and which rules, shared with `baseline`.
    _selection_arguments(scan)
    _report_arguments(scan)
    # Changed-lines mode: the flags reviewdog and semgrep users know, with git's own vocabulary.
    changed = scan.add_argument_group("changed-lines mode (the pre-merge gate)")
    changed.add_argument("--diff", metavar="REV", help="only what changed since the merge base of REV and HEAD, e.g. origin/main")
    changed.add_argument("--head", metavar="REV", help="compare with commit REV instead of the work tree")
    changed.add_argument("--staged", action="store_true", help="compare with the index (what `git commit` would record)")
    changed.add_argument(
        "--pre-commit",
        action="store_true",
        help="as pre-commit's hook: the staged changes of PATHS (--diff HEAD --staged); when a given file has nothing staged "
        "(pre-commit run --all-files, --files), the given files whole",
    )
    changed.add_argument(
        "--filter-mode",
        choices=("added", "diff_context", "file", "nofilter"),
        help="keep findings on added lines (default), inside diff hunks, anywhere in changed files, or everywhere",
    )
    # Adopting reviewbot in a codebase that has years of findings.
    legacy = scan.add_argument_group("baseline (adopting reviewbot in existing code)")
    legacy.add_argument("--baseline", type=Path, metavar="FILE", help="report only findings not recorded in FILE (see `reviewbot baseline`)")
    legacy.add_argument("--update-baseline", action="store_true", help="also drop fixed findings from the baseline file")
    # Fixing and verbosity, as in Ruff.
    scan.add_argument("--fix", action="store_true", help="apply the autofixes (`reviewbot rules` marks the rules that have one) and report what is left")
    scan.add_argument("-v", "--verbose", action="store_true", help="print roots, config source, timing; tracebacks on errors")
    scan.add_argument("-q", "--quiet", action="store_true", help="print findings only: no summary, no progress line")
    scan.add_argument(
        "--show-settings", action="store_true", help="print the effective settings (config, root packages, rules, what counts as tests or migrations) and exit"
    )


def _baseline_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``reviewbot baseline``: the same file selection as ``scan``, a file instead of a report.

    The default output follows the config's ``baseline`` key, so scans find the file again.
    """
    record = commands.add_parser(
        "baseline",
        help="record today's findings so that later scans report only new ones",
        description="Scan like `reviewbot scan` and record the fingerprints of the findings in a baseline file. "
        "`reviewbot scan --baseline FILE` (or config `baseline: FILE`) then reports only findings not in it.",
    )
    _selection_arguments(record)
    record.add_argument(
        "--output", type=Path, metavar="FILE", help="where to write (default: config `baseline`, else .reviewbot-baseline.json at the root)"
    )


def _github_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``reviewbot github``: the pull-request review behind action.yml.

    With no flags it does the right thing from the environment GitHub Actions sets; the flags
    mirror the Action's inputs.
    """
    github = commands.add_parser(
        "github",
        help="review a pull request from GitHub Actions (inline comments, summary, annotations)",
        description="Read the pull-request event GitHub Actions provides (GITHUB_EVENT_PATH, GITHUB_REPOSITORY, "
        "GITHUB_TOKEN, GITHUB_API_URL, GITHUB_STEP_SUMMARY), scan the pull request's changed lines and post one "
        "review with inline comments and one summary comment. Exit status as for `scan`.",
    )
    _review_arguments(github, "under pull_request_target, with the base commit", "new inline comments")
    github.add_argument("--sarif-file", type=Path, metavar="FILE", help="also write the findings as SARIF to FILE")
    github.add_argument(
        "--sarif-artifact", metavar="NAME", help="the artifact the workflow uploads the SARIF file as: the step summary links this run's artifacts"
    )
    github.add_argument("--pr", type=int, metavar="N", help="pull request number, for events that carry none (workflow_dispatch)")
    github.add_argument("--request-changes", action="store_true", help="request changes (instead of commenting) when the gate fails")


def _review_arguments(parser: argparse.ArgumentParser, implied: str, comments: str) -> None:
    """What the pull-request and the merge-request reviews both take: the files, the config, the
    gate, which findings count and how many get a comment of their own."""
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATHS", help="only changed files under these paths")
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file (default: .reviewbot.yml, else pyproject.toml)")
    parser.add_argument("--trusted-config", metavar="REV", help=f"{TRUSTED_HELP} (implied {implied})")
    parser.add_argument("--fail-on", choices=("error", "warning", "info", "never"), help="lowest severity that fails the job (default: error)")
    parser.add_argument("--filter-mode", choices=("added", "diff_context", "file"), default="added", help="which findings count (default: added)")
    parser.add_argument("--max-comments", type=_positive(int), default=30, metavar="N", help=f"{comments} per run at most (default: 30)")
    parser.add_argument("--docs-url", metavar="URL", help="where the rule documentation lives (docs/rules.md of reviewbot)")
    parser.add_argument("--write-interval", type=float, default=1.0, metavar="SECONDS", help=argparse.SUPPRESS)


def _gitlab_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``reviewbot gitlab``: the merge-request review of a GitLab CI job (docs/ci.md)."""
    gitlab = commands.add_parser(
        "gitlab",
        help="review a merge request from GitLab CI (discussions on the diff, a summary note, a Code Quality report)",
        description="Read the merge-request pipeline's variables (CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID) and a "
        "project or group access token in REVIEWBOT_GITLAB_TOKEN, scan the merge request's changed lines, open one "
        "discussion per finding on its diff line and keep one summary note up to date. The findings also go to a Code "
        "Quality report, which carries them alone when the token cannot write (the CI job token cannot). A merge "
        "request from a fork takes its config from the target branch. Exit status as for `scan`.",
    )
    _review_arguments(gitlab, "for a merge request from a fork, with its merge base", "new discussions")
    gitlab.add_argument(
        "--code-quality", type=Path, default=Path("gl-code-quality-report.json"), metavar="FILE",
        help="where the Code Quality report goes (default: gl-code-quality-report.json)",
    )
    gitlab.add_argument("--mr", type=int, metavar="IID", help="merge request, outside a merge-request pipeline")


def _hook_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``reviewbot hook AGENT``: findings reach the agent while it writes.

    Its usage errors exit 1, not argparse's 2 (see ``main``): 2 would block the agent.
    """
    # Coding agents' hooks: findings reach the agent while it writes.
    titles = ", ".join(adapter.title for adapter in ADAPTERS.values())
    hook = commands.add_parser(
        "hook",
        help=f"run as a coding agent's hook ({titles}): after an edit and at a stop",
        description="Read one hook event as JSON on standard input and answer in the agent's own protocol. After an edit, "
        "the findings on the lines the agent changed that it must hear (at or above --fail-on, and the rules of config "
        "hooks.tell.also: the security rules), each told once per agent session; when the agent stops, every such finding "
        "left. Nothing to report: the agent carries on. A failure of reviewbot itself "
        "exits 1, so the agent is never trapped. docs/agents.md shows each agent's settings (`reviewbot init --agent`).",
        epilog="The first event starts a hook server in the background, which keeps LibCST and the rules loaded and "
        "answers the events after it, the same way and faster; REVIEWBOT_HOOK_SERVER=off answers each event in its "
        "own process. docs/agents.md, \"Speed: the hook server\", says where it lives and how it ends.",
    )
    hook.add_argument("agent", choices=tuple(ADAPTERS), help="the agent whose hook protocol to speak")
    hook.add_argument(
        "--fail-on",
        choices=("error", "warning", "info", "never"),
        help="lowest severity told to the agent (default: config hooks.tell.min-severity, else fail-on, else error); "
        "the rules of hooks.tell.also (default: the security rules, RB7) are told at any severity",
    )
    hook.add_argument("--max-findings", type=_positive(int), default=20, metavar="N", help="findings shown at most (default: 20)")
    hook.add_argument("--max-chars", type=_positive(int), default=4000, metavar="N", help="characters of one reply at most (default: 4000)")
    hook.add_argument(
        "--reply",
        choices=("exit", "json"),
        default="exit",
        help="Claude Code: exit 2 with the findings on stderr (default), or a JSON decision on stdout with exit 0",
    )
    hook.add_argument(
        "--stop-context",
        action="store_true",
        help="Claude Code 2.1.163 or later: at a stop, hand the findings back as context that keeps the turn going "
        "(hookSpecificOutput.additionalContext) instead of a block Claude Code shows as a hook error",
    )
    hook.add_argument("--diff", default="HEAD", metavar="REV", help="compare with REV (default: HEAD)")
    hook.add_argument(
        "--file-timeout", type=_positive(float), default=30.0, metavar="SECONDS", help="a file taking longer is reported as RB002 (default: 30)"
    )
    hook.add_argument("--config", type=Path, metavar="FILE", help="config file (default: .reviewbot.yml, else pyproject.toml)")


def _merge_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``reviewbot merge``: the shards of a CI matrix, reported as one scan."""
    merge = commands.add_parser(
        "merge",
        help="merge the JSON reports of `scan --shard K/N` runs into one report (any format)",
        description="Read JSON reports written by `reviewbot scan --format json` (typically one per `--shard K/N` of a "
        "CI matrix) and report their findings as one scan would. Exit status as for `scan`.",
    )
    # The reports in, one report out: the same formats and gate as `scan`.
    merge.add_argument("reports", nargs="+", type=Path, metavar="REPORT", help="JSON reports")
    merge.add_argument("--config", type=Path, metavar="FILE", help="config file (default: .reviewbot.yml, else [tool.reviewbot] in pyproject.toml)")
    merge.add_argument("--strict", action="store_true", help="exit 2 when a shard of the matrix is missing (default: a warning)")
    _report_arguments(merge)


def _agents_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``reviewbot agents``: the repository's agent files, statement by statement, and what enforces each."""
    agents = commands.add_parser(
        "agents",
        help="show which rules enforce each statement of the repository's agent files",
        description="Read agent instruction files (Claude Code subagents, CLAUDE.md with @imports and links, AGENTS.md, "
        "Copilot and Cursor rule files; default: those of the repository) and print, statement by statement, "
        "its kind (requirement, prohibition, preference, information) and the words that decided it, the rules or "
        "checks that enforce it with the phrases that matched, or why none can; then the statements that conflict "
        "and which one wins under `packs: [auto]`. docs/agents.md explains the reading.",
    )
    agents.add_argument("files", nargs="*", type=Path, metavar="FILES", help="agent files (default: every one the repository holds)")
    agents.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output format (default: text; markdown: a coverage table per file)")
    agents.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a requirement or prohibition is neither enforced by a rule or a config check, nor waived in the config "
        "(agents.waive), nor explained by a pack as not checkable",
    )
    agents.add_argument(
        "--suggest",
        action="store_true",
        help="print draft `checks:` entries for the prohibitions that name code (a draft to review and paste into the config; never applied by itself)",
    )
    agents.add_argument("--config", type=Path, metavar="FILE", help="config file (default: .reviewbot.yml, else [tool.reviewbot] in pyproject.toml)")


def _init_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``reviewbot init``: adoption in one command."""
    settings_files = ", ".join(f"{adapter.title} in {adapter.install.path}" for adapter in ADAPTERS.values())
    init = commands.add_parser(
        "init",
        help="adopt reviewbot: config, pull-request workflow, pre-commit hook, coding agents' hooks",
        description="Write .reviewbot.yml, .github/workflows/reviewbot.yml, the reviewbot hook in an existing "
        f".pre-commit-config.yaml and the coding agents' hooks (--agent: {settings_files}). Existing files are merged "
        "into, never replaced; running it twice changes nothing.",
    )
    init.add_argument("--dry-run", action="store_true", help="print the changes as a diff, write nothing")
    init.add_argument("--only", type=_codes, metavar="PARTS", help="some of: config,workflow,pre-commit,hooks (default: all)")
    init.add_argument(
        "--agent",
        type=_codes,
        metavar="AGENTS",
        help=f"whose hooks to write, some of: {','.join(ADAPTERS)} (default: claude-code)",
    )
    init.add_argument(
        "--action-ref",
        metavar="OWNER/REPO@REF",
        help="where the workflow and the pre-commit entry install reviewbot from: a GitHub repository and a tag, branch or commit "
        "(default: where this reviewbot was installed from with pip install git+https://github.com/..., else a placeholder to edit)",
    )
