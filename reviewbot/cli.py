"""The ``reviewbot`` command line: ``scan``, ``baseline``, ``merge``, ``github``, ``hook``, ``init``, ``rules``, ``explain``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path

from collections.abc import Callable
from typing import TYPE_CHECKING

from reviewbot import __version__
from reviewbot.errors import FileError, ReviewbotError, UsageError
from reviewbot.validate import did_you_mean, rule_ids

if TYPE_CHECKING:
    from reviewbot.config import Settings
    from reviewbot.session import Request

log = logging.getLogger("reviewbot")

# Exit statuses: nothing at or above --fail-on; findings at or above it; usage/config/environment error.
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# Shown by `reviewbot --help`.
DESCRIPTION = """\
Enforce the rules an AI coding agent was given (imports through the root package, error handling
around external calls, type annotations, comments) on a repository's Python code. reviewbot parses
files with LibCST and never imports or runs them.
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


def _shard(text: str) -> tuple[int, int]:
    """``--shard 2/4`` -> ``(2, 4)``; K from 1 to N."""
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise argparse.ArgumentTypeError(f"expected K/N with 1 <= K <= N, e.g. 1/4, got {text!r}")
    return int(index), int(count)


def _selection_arguments(parser: argparse.ArgumentParser) -> None:
    """What to scan, with which rules, and how: shared by ``scan`` and ``baseline``."""
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATHS", help="files or directories (default: the repository)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file (default: .reviewbot.yml, else [tool.reviewbot] in pyproject.toml)")
    parser.add_argument("--select", type=_codes, metavar="CODES", help="only these rules, e.g. RB1,RB203 (replaces config `select`)")
    parser.add_argument("--ignore", type=_codes, metavar="CODES", help="skip these rules (added to config `ignore`)")
    # How the files are scanned: results never depend on these, only the time they take.
    engine = parser.add_argument_group("engine")
    engine.add_argument("--jobs", type=_positive(int), metavar="N", help="worker processes (default: the number of CPUs; 1 scans in this process)")
    engine.add_argument(
        "--file-timeout", type=_positive(float), default=30.0, metavar="SECONDS", help="a file taking longer is reported as RB002 (default: 30)"
    )
    engine.add_argument("--no-cache", action="store_true", help="neither read nor write the cache (.reviewbot_cache/)")
    engine.add_argument(
        "--shard", type=_shard, metavar="K/N", help="only the K-th of N disjoint parts of the files (a CI matrix; see `reviewbot merge`)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand.

    Flags mirror Ruff's where they mean the same (``--select``, ``--ignore``, ``--fix``,
    ``--output``), so the muscle memory of Python teams carries over.
    """
    parser = argparse.ArgumentParser(prog="reviewbot", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"reviewbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    _scan_parser(commands)
    _baseline_parser(commands)
    _github_parser(commands)
    _hook_parser(commands)
    _init_parser(commands)
    _merge_parser(commands)

    # The rule catalogue, as configured (severities can be changed by the config).
    rules = commands.add_parser("rules", help="list every rule with its severity and agent quote")
    rules.add_argument("--format", choices=("text", "markdown"), default="text", help="markdown generates docs/rules.md")
    rules.add_argument("--config", type=Path, metavar="FILE", help="show severities as configured by FILE")

    explain = commands.add_parser("explain", help="explain one rule, with a flagged and a clean example")
    explain.add_argument("rule", metavar="RULE", help="a rule id (RB201) or name (unguarded-external-call)")
    return parser


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
    scan.add_argument(
        "--format", choices=("text", "json", "sarif", "github", "markdown"), default="text", help="output format (default: text)"
    )
    scan.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE instead of standard output")
    scan.add_argument("--fail-on", choices=("error", "warning", "info", "never"), help="lowest severity that makes the exit status 1 (default: error)")
    # Changed-lines mode: the flags reviewdog and semgrep users know, with git's own vocabulary.
    changed = scan.add_argument_group("changed-lines mode (the pre-merge gate)")
    changed.add_argument("--diff", metavar="REV", help="only what changed since the merge base of REV and HEAD, e.g. origin/main")
    changed.add_argument("--head", metavar="REV", help="compare with commit REV instead of the work tree")
    changed.add_argument("--staged", action="store_true", help="compare with the index (what `git commit` would record)")
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
    scan.add_argument("--fix", action="store_true", help="apply autofixes (RB101, RB302) and report what is left")
    scan.add_argument("-v", "--verbose", action="store_true", help="print roots, config source, timing; tracebacks on errors")
    scan.add_argument("-q", "--quiet", action="store_true", help="print findings only: no summary, no progress line")


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
    github.add_argument("paths", nargs="*", type=Path, metavar="PATHS", help="only changed files under these paths")
    github.add_argument("--config", type=Path, metavar="FILE", help="config file (default: .reviewbot.yml, else pyproject.toml)")
    github.add_argument("--sarif-file", type=Path, metavar="FILE", help="also write the findings as SARIF to FILE")
    github.add_argument("--pr", type=int, metavar="N", help="pull request number, for events that carry none (workflow_dispatch)")
    github.add_argument("--fail-on", choices=("error", "warning", "info", "never"), help="lowest severity that fails the job (default: error)")
    github.add_argument("--filter-mode", choices=("added", "diff_context", "file"), default="added", help="which findings count (default: added)")
    github.add_argument("--max-comments", type=int, default=30, metavar="N", help="new inline comments per run at most (default: 30)")
    github.add_argument("--request-changes", action="store_true", help="request changes (instead of commenting) when the gate fails")
    github.add_argument("--docs-url", metavar="URL", help="where the rule documentation lives (docs/rules.md of reviewbot)")
    github.add_argument("--write-interval", type=float, default=1.0, metavar="SECONDS", help=argparse.SUPPRESS)


def _hook_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``reviewbot hook claude-code``: findings reach the agent while it writes.

    Its usage errors exit 1, not argparse's 2 (see ``main``): 2 would block the agent.
    """
    # Claude Code hooks: findings reach the agent while it writes.
    hook = commands.add_parser(
        "hook",
        help="run as a coding agent's hook (Claude Code: PostToolUse and Stop)",
        description="Read one hook event as JSON on standard input. Findings at or above --fail-on on the lines the "
        "agent changed exit 2 with a message for the model; nothing to report exits 0 silently; a failure of "
        "reviewbot itself exits 1, so the agent is never trapped.",
    )
    hook.add_argument("agent", choices=("claude-code",), help="the agent whose hook protocol to speak")
    hook.add_argument(
        "--fail-on", choices=("error", "warning", "info", "never"), help="lowest severity reported (default: the config's fail-on, else error)"
    )
    hook.add_argument("--max-findings", type=int, default=20, metavar="N", help="findings shown at most (default: 20)")
    hook.add_argument("--diff", default="HEAD", metavar="REV", help="compare with REV (default: HEAD)")
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
    merge.add_argument(
        "--format", choices=("text", "json", "sarif", "github", "markdown"), default="text", help="output format (default: text)"
    )
    merge.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE instead of standard output")
    merge.add_argument("--config", type=Path, metavar="FILE", help="config file (default: .reviewbot.yml, else [tool.reviewbot] in pyproject.toml)")
    merge.add_argument("--fail-on", choices=("error", "warning", "info", "never"), help="lowest severity that makes the exit status 1 (default: error)")


def _init_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``reviewbot init``: adoption in one command."""
    # Adoption in one command.
    init = commands.add_parser(
        "init",
        help="adopt reviewbot: config, pull-request workflow, pre-commit hook, Claude Code hooks",
        description="Write .reviewbot.yml, .github/workflows/reviewbot.yml, the reviewbot hook in an existing "
        ".pre-commit-config.yaml and the Claude Code hooks in .claude/settings.json. Existing files are merged "
        "into, never replaced; running it twice changes nothing.",
    )
    init.add_argument("--dry-run", action="store_true", help="print the changes as a diff, write nothing")
    init.add_argument("--only", type=_codes, metavar="PARTS", help="some of: config,workflow,pre-commit,claude (default: all)")



def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    # A file name that is not UTF-8 is shown escaped rather than crashing the report.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    # argparse exits with status 2 on bad usage itself, as the exit-code contract wants, except for
    # hooks: status 2 would block the agent with a usage message meant for a person.
    arguments = sys.argv[1:] if argv is None else argv
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exit:
        if exit.code == EXIT_ERROR and arguments[:1] == ["hook"]:
            return 1
        raise
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    _log_to_stderr(getattr(args, "verbose", False))
    commands = {
        "scan": scan, "baseline": baseline, "merge": merge, "rules": rules, "explain": explain, "github": github_review, "hook": hook, "init": init,
    }
    try:
        return commands[args.command](args)
    except ReviewbotError as error:
        # Bad config, arguments or environment: the message names the problem; no traceback.
        print(f"reviewbot: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        # The shell's convention for "interrupted".
        return 130
    except Exception as error:  # noqa: BLE001 - a crash is reported, not dumped, unless --verbose
        if getattr(args, "verbose", False):
            traceback.print_exc()
        print(f"reviewbot: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ERROR


def _log_to_stderr(verbose: bool) -> None:
    """reviewbot's own log records go to stderr: notes with ``--verbose``, else only warnings."""
    logger = logging.getLogger("reviewbot")
    if not logger.handlers:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("reviewbot: %(message)s"))
        logger.addHandler(stream)
    # The stream of this run (``main`` may run more than once in a process).
    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sys.stderr)
    logger.setLevel(logging.INFO if verbose else logging.WARNING)


def _settings(args: argparse.Namespace, root: Path) -> Settings:
    """The config file (or built-in defaults) with the command line's overrides."""
    from reviewbot.project import load_settings

    select = rule_ids("--select", args.select) if getattr(args, "select", None) is not None else None
    ignore = rule_ids("--ignore", args.ignore) if getattr(args, "ignore", None) else None
    return load_settings(root, getattr(args, "config", None), select=select, ignore=ignore, fail_on=getattr(args, "fail_on", None))


def _request(args: argparse.Namespace) -> Request:
    """The scan the command line asks for (``scan``, and ``baseline`` with fewer flags)."""
    from reviewbot.project import find_root
    from reviewbot.session import Progress, Request

    root, is_git = find_root(Path.cwd())
    settings = _settings(args, root)
    # Changed-lines mode, fixing and baselines are flags of `scan` only.
    scan_only = ("diff", "head", "staged", "filter_mode", "fix", "update_baseline")
    chosen = {name: getattr(args, name) for name in scan_only if hasattr(args, name)}
    # A baseline named in the config applies unless --baseline names another.
    baseline = getattr(args, "baseline", None) or (root / settings.baseline if settings.baseline else None)
    # Without --jobs, the request's own default: one worker per CPU.
    if args.jobs is not None:
        chosen["jobs"] = args.jobs
    return Request(
        root=root,
        settings=settings,
        is_git=is_git,
        paths=tuple(args.paths),
        baseline=baseline,
        file_timeout=args.file_timeout,
        cache=not args.no_cache,
        shard=args.shard,
        progress=Progress.wanted(getattr(args, "quiet", False)),
        **chosen,
    )


def scan(args: argparse.Namespace) -> int:
    """``reviewbot scan``: find the files, scan them, fix if asked, report, and set the exit status.

    Imports are deferred so that ``--help`` and errors in arguments answer at once.
    """
    from reviewbot.report import Run, renderers
    from reviewbot.session import run

    request = _request(args)
    settings = request.settings
    roots = ", ".join(f"{name} ({path}/)" for name, path in settings.project.roots.items()) or "none found"
    log.info("repository %s; config: %s", request.root, settings.source)
    log.info("root packages: %s", roots)
    result = run(request)
    for path in result.refused:
        log.warning("%s not fixed: the fixed text would not parse (please report this)", path)
    if result.pruned is not None:
        log.warning("removed %d fixed finding%s from %s", result.pruned, "" if result.pruned == 1 else "s", request.baseline)
    # Colour only for a person at a terminal: never in files, pipes, or with NO_COLOR set.
    color = args.output is None and args.format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    run_info = Run(settings, len(result.files), color=color, fixed=result.fixed, quiet=args.quiet)
    _write(renderers()[args.format](list(result.findings), run_info), args.output)
    # The gate: findings at or above --fail-on (after filtering, baseline and fixes) fail the run.
    return EXIT_FINDINGS if result.fails() else EXIT_OK


def merge(args: argparse.Namespace) -> int:
    """``reviewbot merge``: findings of several JSON reports, reported as one scan."""
    from reviewbot.merge import read_reports
    from reviewbot.project import find_root
    from reviewbot.report import Run, renderers

    settings = _settings(args, find_root(Path.cwd())[0])
    findings, files = read_reports(args.reports)
    _write(renderers()[args.format](findings, Run(settings, files)), args.output)
    return EXIT_FINDINGS if any(settings.fails(finding) for finding in findings) else EXIT_OK


def init(args: argparse.Namespace) -> int:
    """``reviewbot init``: plan every part, then show (``--dry-run``) or write the changes."""
    from reviewbot.init import PARTS, apply, plan
    from reviewbot.project import detect_project, find_root

    parts = tuple(part.lower() for part in args.only) if args.only else PARTS
    for part in parts:
        if part not in PARTS:
            raise UsageError(f"--only: unknown part {part!r}{did_you_mean(part, PARTS)} (parts: {', '.join(PARTS)})")
    root, _ = find_root(Path.cwd())
    # The detected roots go into the written config, where the team can correct them.
    changes = plan(root, parts, sorted(detect_project(root, []).roots))
    if args.dry_run:
        sys.stdout.write("".join(change.diff() for change in changes) or "reviewbot init: nothing to change\n")
        return EXIT_OK
    apply(root, changes)
    for change in changes:
        print(f"reviewbot init: {'updated' if change.old is not None else 'created'} {change.path}")
    # A second run is expected to change nothing: say so.
    if not changes:
        print("reviewbot init: nothing to change")
    return EXIT_OK


def hook(args: argparse.Namespace) -> int:
    """``reviewbot hook claude-code``: one hook event on stdin, the verdict as exit status."""
    from reviewbot.hook import HookOptions, run

    options = HookOptions(fail_on=args.fail_on, max_findings=args.max_findings, diff=args.diff, config=args.config)
    status, text = run(sys.stdin.read(), options)
    sys.stderr.write(text)
    return status


def github_review(args: argparse.Namespace) -> int:
    """``reviewbot github``: the pull-request review the Action runs.

    Settings come from the checkout's config, except under ``pull_request_target``.
    """
    from reviewbot.github.run import ReviewOptions, base_config, review
    from reviewbot.project import find_root

    root, _ = find_root(Path.cwd())
    if args.config is None and os.environ.get("GITHUB_EVENT_NAME") == "pull_request_target":
        # The workflow runs with a write token: the pull request must not choose its own rules.
        args.config = base_config(root, os.environ.get("GITHUB_EVENT_PATH", ""))
    settings = _settings(args, root)
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    action = os.environ.get("GITHUB_ACTION_REPOSITORY")
    # The rule docs of the reviewbot version the Action runs, when the Action runs it.
    default_docs = f"{server}/{action}/blob/{os.environ.get('GITHUB_ACTION_REF') or 'main'}/docs/rules.md" if action else "docs/rules.md"
    options = ReviewOptions(
        pr=args.pr,
        max_comments=args.max_comments,
        filter_mode=args.filter_mode,
        request_changes=args.request_changes,
        docs_url=args.docs_url or default_docs,
        write_interval=args.write_interval,
        paths=tuple(args.paths),
        sarif_file=args.sarif_file,
    )
    return review(options, settings, root, dict(os.environ))


def baseline(args: argparse.Namespace) -> int:
    """``reviewbot baseline``: record today's findings so that scans report only new ones."""
    from reviewbot.baseline import DEFAULT_BASELINE, write
    from reviewbot.session import run

    # Every finding of the selected files, whatever baseline the config reads.
    request = replace(_request(args), baseline=None)
    result = run(request)
    # The file the config reads is the natural place to write.
    target = args.output or request.root / (request.settings.baseline or DEFAULT_BASELINE)
    write(target, list(result.findings))
    print(f"reviewbot: recorded {len(result.findings)} findings in {target}")
    return EXIT_OK


def _write(report: str, output: Path | None) -> None:
    """The report to ``--output`` or standard output."""
    if output is not None:
        try:
            output.write_text(report, encoding="utf-8", errors="backslashreplace")
        except OSError as error:
            raise FileError(f"{output}: cannot write the report: {error.strerror}") from None
    else:
        sys.stdout.write(report)


def rules(args: argparse.Namespace) -> int:
    """``reviewbot rules``."""
    from reviewbot.docs import rules_markdown, rules_text
    from reviewbot.project import find_root

    settings = _settings(args, find_root(Path.cwd())[0])
    sys.stdout.write(rules_markdown(settings) if args.format == "markdown" else rules_text(settings))
    return EXIT_OK


def explain(args: argparse.Namespace) -> int:
    """``reviewbot explain RULE``."""
    from reviewbot.config import build_settings
    from reviewbot.docs import explain as explain_rule

    # Explanations show the built-in pack's defaults, whatever the local config says.
    settings = build_settings({})
    wanted = args.rule.strip()
    for spec in settings.specs.values():
        if wanted.upper() == spec.rule.id or wanted.lower() == spec.rule.name:
            sys.stdout.write(explain_rule(spec, settings))
            return EXIT_OK
    names = [*settings.specs, *(spec.rule.name for spec in settings.specs.values())]
    raise UsageError(f"unknown rule {wanted!r}{did_you_mean(wanted, names)}; `reviewbot rules` lists them all")
