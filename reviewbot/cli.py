"""The ``reviewbot`` command line: ``scan``, ``baseline``, ``merge``, ``github``, ``gitlab``, ``hook``, ``init``,
``doctor``, ``rules``, ``explain``.

Everything heavy (LibCST, GitPython, python-gitlab, the rules) is imported by the command that needs it, so that
``--help``, usage errors and an agent hook that has nothing to check answer at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from reviewbot.arguments import build_parser
from reviewbot.errors import FileError, ReviewbotError, UsageError
from reviewbot.escape import printable
from reviewbot.logs import log_to_stderr

if TYPE_CHECKING:
    from reviewbot.config import Settings
    from reviewbot.session import Request, Result

log = logging.getLogger("reviewbot")

# Exit statuses: nothing at or above --fail-on; findings at or above it; usage/config/environment error.
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


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
    log_to_stderr(getattr(args, "verbose", False))
    # A hook's own failure must not read as "rules broken" (exit 2) to the agent that runs it.
    failed = 1 if args.command == "hook" else EXIT_ERROR
    commands = {
        "scan": scan, "baseline": baseline, "merge": merge, "rules": rules, "explain": explain, "github": github_review, "gitlab": gitlab_review, "hook": hook, "init": init, "doctor": doctor,
        "agents": agents,
    }
    try:
        return commands[args.command](args)
    except ReviewbotError as error:
        # Bad config, arguments or environment: the message names the problem; no traceback.
        print(f"reviewbot: error: {printable(str(error))}", file=sys.stderr)
        return failed
    except KeyboardInterrupt:
        # The shell's convention for "interrupted".
        return 130
    except BrokenPipeError:
        # The reader went away (``reviewbot agents | head``): stop quietly, as ``cat`` would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:  # noqa: BLE001 - a crash is reported, not dumped, unless --verbose
        if getattr(args, "verbose", False):
            traceback.print_exc()
        print(f"reviewbot: internal error: {type(error).__name__}: {printable(str(error))}", file=sys.stderr)
        return failed


def _settings(args: argparse.Namespace, root: Path) -> Settings:
    """The config file (or built-in defaults) with the command line's overrides.

    With ``--trusted-config REV`` the config comes from REV's git objects, and so does the baseline
    it names (``args.trusted_baseline`` then holds a copy of it).
    """
    from reviewbot.validate import known_checks, rule_ids

    # The ids of the config's own checks are known once the config is read.
    select = rule_ids("--select", args.select, checks_later=True) if getattr(args, "select", None) is not None else None
    ignore = rule_ids("--ignore", args.ignore, checks_later=True) if getattr(args, "ignore", None) else None
    settings = _configured(args, root, select, ignore)
    known_checks("--select", select or [])
    known_checks("--ignore", ignore or [])
    return settings


def _configured(args: argparse.Namespace, root: Path, select: list[str] | None, ignore: list[str] | None) -> Settings:
    """``_settings`` once the command line's rule ids are read."""
    from reviewbot.project import load_settings, settings_from

    fail_on = getattr(args, "fail_on", None)
    revision = getattr(args, "trusted_config", None)
    if revision is None:
        return load_settings(root, getattr(args, "config", None), select=select, ignore=ignore, fail_on=fail_on)
    from reviewbot.trusted import read_trusted

    config = getattr(args, "config", None)
    name = None
    if config is not None:
        # A name at the trusted revision, relative to the repository root.
        # By text only: the work tree may hold a link that would send the name elsewhere.
        absolute = config if config.is_absolute() else Path.cwd().resolve() / config
        name = os.path.normpath(os.path.relpath(absolute, root.resolve())).replace(os.sep, "/")
        if name.startswith("../") or name == "..":
            raise UsageError(f"--config {config}: with --trusted-config, name a file inside the repository")
    trusted = read_trusted(root, revision, name)
    args.trusted_baseline = trusted.baseline
    args.trusted_commit = trusted.commit
    return settings_from(
        root, trusted.config, trusted.source, select=select, ignore=ignore, fail_on=fail_on, agents_root=trusted.agents, layout=trusted.layout
    )


def _request(args: argparse.Namespace) -> Request:
    """The scan the command line asks for (``scan``, and ``baseline`` with fewer flags)."""
    from reviewbot.config import inside
    from reviewbot.project import find_root
    from reviewbot.session import Progress, Request

    root, is_git = find_root(Path.cwd())
    settings = _settings(args, root)
    # The flag wins over config `max-memory` (it is absent when not given).
    if hasattr(args, "max_memory"):
        settings = replace(settings, max_memory=args.max_memory)
    # Changed-lines mode, fixing and baselines are flags of `scan` only.
    scan_only = ("diff", "head", "staged", "filter_mode", "fix", "update_baseline")
    chosen = {name: getattr(args, name) for name in scan_only if hasattr(args, name)}
    # A baseline named in the config applies unless --baseline names another; a trusted config's
    # baseline is read from the trusted revision, never from the work tree.
    baseline = getattr(args, "baseline", None) or getattr(args, "trusted_baseline", None)
    if baseline is None and settings.baseline and getattr(args, "trusted_config", None) is None:
        baseline = inside(root, settings.baseline, "baseline")
    if getattr(args, "pre_commit", False):
        chosen.update(_pre_commit(args, root))
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


def _pre_commit(args: argparse.Namespace, root: Path) -> dict[str, object]:
    """``--pre-commit``: the staged changes of the files pre-commit names, as ``git commit`` gives
    them; the files whole when one has nothing staged (``pre-commit run --all-files`` or ``--files``)."""
    if args.diff or args.head or args.staged:
        raise UsageError("--pre-commit chooses the change itself (--diff HEAD --staged): drop --diff, --head and --staged")
    from reviewbot.gitcli import git_output

    # Git's failure (not a repository, dubious ownership) is the scan's to report, in git's words.
    names = set(os.fsdecode(git_output(root, "diff", "--cached", "--name-only", "-z", "--no-renames")).split("\0"))
    given = [os.path.relpath(Path(path).absolute(), root).replace(os.sep, "/") for path in args.paths]
    if given and not names.issuperset(given):
        log.info("%d of the %d files given have nothing staged: scanning the given files whole", len(set(given) - names), len(given))
        return {}
    return {"diff": "HEAD", "staged": True}


def scan(args: argparse.Namespace) -> int:
    """``reviewbot scan``: find the files, scan them, fix if asked, report, and set the exit status.

    Imports are deferred so that ``--help`` and errors in arguments answer at once.
    """
    from reviewbot.gitcli import LISTING, discard, find_root, start

    # A scan of the whole repository lists it with git while the rules are imported.
    root, is_git = find_root(Path.cwd())
    if is_git and not args.paths and args.diff is None and not args.pre_commit:
        start(root, *LISTING, ".")
    try:
        return _scan(args)
    finally:
        # A listing nothing took (``--show-settings``, a bad config) is ended, not left behind.
        discard()


def _scan(args: argparse.Namespace) -> int:
    """``scan`` once the repository's listing has begun."""
    from reviewbot.session import run

    from reviewbot.docs import settings_text

    request = _request(args)
    settings = request.settings
    if args.show_settings:
        sys.stdout.write(settings_text(settings, request.root))
        return EXIT_OK
    roots = ", ".join(f"{name} ({path}/)" for name, path in settings.project.roots.items()) or "none found"
    log.info("repository %s; config: %s", request.root, settings.source)
    log.info("root packages: %s", roots)
    log.info("not product code (rules off in tests skip it): %s", "; ".join(f"{origin}: {', '.join(globs)}" for origin, globs in settings.scope.items()))
    result = run(request)
    for path in result.refused:
        log.warning("%s not fixed: the fixed text would not parse (please report this)", path)
    if result.pruned is not None:
        log.warning("removed %d fixed finding%s from %s", result.pruned, "" if result.pruned == 1 else "s", request.baseline)
    return _report(args, request, result)


def _report(args: argparse.Namespace, request: Request, result: Result) -> int:
    """Render ``result`` in ``--format`` to ``--output`` or standard output; return the gate's status."""
    from reviewbot.model import Severity
    from reviewbot.report.base import Run
    from reviewbot.report.registry import renderer

    # Colour for a person at a terminal, or wherever FORCE_COLOR asks for it (a CI log); never in
    # files, other formats, or with NO_COLOR set.
    wanted = sys.stdout.isatty() or bool(os.environ.get("FORCE_COLOR"))
    color = args.output is None and args.format == "text" and wanted and "NO_COLOR" not in os.environ
    # A shard's JSON report carries its files' facts, for the project phase of `reviewbot merge`.
    facts = tuple(result.facts.values()) if request.shard is not None else ()
    # --show never hides a finding that fails the gate.
    show = Severity.parse(args.show) if args.show else None
    gate = result.settings.fail_on
    if show is not None and gate is not None and gate < show:
        show = gate
    run_info = replace(
        Run.of(result.settings, result.scanned), color=color, fixed=result.fixed, quiet=getattr(args, "quiet", False), facts=facts, shard=request.shard,
        show=show, baseline=request.baseline is not None, changed_lines=request.changed_lines,
    )
    _write(renderer(args.format)(list(result.findings), run_info), args.output, request.root)
    # The gate: findings at or above --fail-on (after filtering, baseline and fixes) fail the run.
    return EXIT_FINDINGS if result.fails() else EXIT_OK


def merge(args: argparse.Namespace) -> int:
    """``reviewbot merge``: findings of several JSON reports, reported as one scan."""
    from reviewbot.project import find_root
    from reviewbot.session import Request, run

    root, is_git = find_root(Path.cwd())
    request = Request(root=root, settings=_settings(args, root), is_git=is_git, reports=tuple(args.reports), cache=False, strict=args.strict)
    return _report(args, request, run(request))


def agents(args: argparse.Namespace) -> int:
    """``reviewbot agents``: each statement of the agent files, its kind, and the rules that enforce
    it (or why none); ``--check`` exits 1 when a requirement or prohibition is neither enforced nor
    waived; ``--suggest`` drafts ``checks:`` entries for prohibitions that name code."""
    from reviewbot.agents import conflicts, coverage, discover, read_all, read_statements, sources_of, waived
    from reviewbot.agents_report import Report, render, unchecked_text
    from reviewbot.config import config_packs, read_config
    from reviewbot.project import find_root, load_settings
    from reviewbot.session import Request, silent_rules

    root, is_git = find_root(Path.cwd())
    # The packs the repository's config names (the statements they know), validated like a scan's.
    config, source = read_config(root, getattr(args, "config", None))
    packs = config_packs(config, "" if source == "built-in defaults" else f"{source}: ")
    settings = load_settings(root, getattr(args, "config", None))
    # Files named on the command line, as repository paths; none named: every one the repository has.
    names = []
    for file in args.files:
        absolute = file.resolve()
        if not absolute.is_relative_to(root.resolve()):
            # Imports and paths are reported relative to the repository.
            raise UsageError(f"{file}: outside the repository at {root}")
        names.append(absolute.relative_to(root.resolve()).as_posix())
    read = [(name, read_statements(root, name)) for name in names] if names else read_all(root, discover(root, settings.exclude))
    files = [(name, coverage(statements, packs)) for name, statements in read]
    if args.suggest:
        from reviewbot.suggest import suggestions

        sys.stdout.write(suggestions([c for _, covered in files for c in covered]))
        return EXIT_OK
    asked = {rule for _, covered in files for c in covered for rule in c.rules}
    silent = silent_rules(Request(root=root, settings=settings, is_git=is_git, progress=False), asked)
    # A waiver, by statement, for those no rule enforces; the requirements and prohibitions left are unchecked.
    waivers = {id(c): waived(c.statement.text, settings.waive) for _, covered in files for c in covered if not c.rules}
    report = Report(files, waivers, silent, _enforcing_checks(settings), tuple(conflicts(sources_of(root, files, settings.prefer))))
    sys.stdout.write(render(report, args.format))
    if not args.check:
        return EXIT_OK
    unchecked = report.unchecked()
    if unchecked:
        sys.stderr.write(unchecked_text(unchecked))
    # A check whose examples do not hold enforces nothing for sure.
    from reviewbot.written import run_examples

    problems = run_examples(settings)
    for problem in problems:
        sys.stderr.write(f"reviewbot: {printable(problem)}\n")
    return EXIT_FINDINGS if unchecked or problems else EXIT_OK


def _enforcing_checks(settings: Settings) -> dict[tuple[str, int], tuple[str, ...]]:
    """The config's checks by the statement (path, line) each enforces."""
    found: dict[tuple[str, int], tuple[str, ...]] = {}
    for check in settings.checks:
        if check.enforces is not None:
            found[check.enforces] = (*found.get(check.enforces, ()), check.id)
    return found


def init(args: argparse.Namespace) -> int:
    """``reviewbot init``: plan every part, then show (``--dry-run``) or write the changes."""
    from reviewbot.hooks.adapters import ADAPTERS, DEFAULT as DEFAULT_AGENT
    from reviewbot.init import PARTS, PLACEHOLDER, REFERENCE, apply, ignored_by_git, install_source, plan
    from reviewbot.project import detect_project, find_root
    from reviewbot.validate import did_you_mean

    # ``claude`` is what the hooks part was called when Claude Code was the only agent.
    parts = tuple("hooks" if part.lower() == "claude" else part.lower() for part in args.only) if args.only else PARTS
    for part in parts:
        if part not in PARTS:
            raise UsageError(f"--only: unknown part {part!r}{did_you_mean(part, PARTS)} (parts: {', '.join(PARTS)})")
    agents = tuple(agent.lower() for agent in args.agent) if args.agent else (DEFAULT_AGENT,)
    for agent in agents:
        if agent not in ADAPTERS:
            raise UsageError(f"--agent: unknown agent {agent!r}{did_you_mean(agent, ADAPTERS)} (agents: {', '.join(ADAPTERS)})")
    if args.action_ref is not None and not REFERENCE.fullmatch(args.action_ref):
        raise UsageError(f"--action-ref: expected OWNER/REPO@REF (a GitHub repository and a tag, branch or commit), got {args.action_ref!r}")
    reference = args.action_ref or install_source() or PLACEHOLDER
    root, _ = find_root(Path.cwd())
    # The detected roots go into the written config, where the team can correct them.
    changes = plan(root, parts, sorted(detect_project(root, []).roots), agents, reference)
    placeholders = [change.path for change in changes if reference == PLACEHOLDER and "OWNER/REPO" in change.new]
    if placeholders:
        log.warning(
            "%s install%s reviewbot from the placeholder %s: this reviewbot was not installed from a GitHub repository. "
            "Run again with --action-ref OWNER/REPO@REF (the repository and tag your team uses), or edit %s",
            " and ".join(placeholders), "" if len(placeholders) > 1 else "s", PLACEHOLDER, "them" if len(placeholders) > 1 else "it",
        )
    if args.dry_run:
        sys.stdout.write("".join(change.diff() for change in changes) or "reviewbot init: nothing to change\n")
        return EXIT_OK
    apply(root, changes)
    for change in changes:
        print(f"reviewbot init: {'updated' if change.old is not None else 'created'} {change.path}")
    for path in ignored_by_git(root, [change.path for change in changes]):
        log.warning("%s is ignored by git (.gitignore): commit it anyway (git add -f %s) or nobody else gets it", path, path)
    # A second run is expected to change nothing: say so.
    if not changes:
        print("reviewbot init: nothing to change")
    if "hooks" in parts:
        from reviewbot.hooks.doctor import problems

        found, notes = problems(root)
        for problem in [*found, *notes]:
            log.warning("%s", problem)
    return EXIT_OK


def doctor(args: argparse.Namespace) -> int:
    """``reviewbot doctor``: the hook settings' problems, one sentence each; exit 1 when there is one."""
    from reviewbot.hooks.doctor import problems
    from reviewbot.project import find_root

    found, notes = problems(find_root(Path.cwd())[0])
    for problem in found:
        print(f"reviewbot doctor: {problem}")
    for note in notes:
        print(f"reviewbot doctor: note: {note}")
    if not found:
        print("reviewbot doctor: no problem found in the agents' hook settings")
    return EXIT_FINDINGS if found else EXIT_OK


def hook(args: argparse.Namespace) -> int:
    """``reviewbot hook AGENT``: one hook event on stdin; the reply on stdout, stderr and the exit status.

    The hook server (``reviewbot.hookserver``) answers the same way when it runs, with the same
    command (``reviewbot.hooks.command``); this process answers an event no server did, and starts
    one for the events to come.
    """
    from reviewbot.hooks.command import hook as answer_here

    return answer_here(args)


def github_review(args: argparse.Namespace) -> int:
    """``reviewbot github``: the pull-request review the Action runs.

    Settings come from the checkout's config, except under ``pull_request_target`` (or with
    ``--trusted-config``): then from the base revision's.
    """
    from reviewbot.escape import register_secret
    from reviewbot.github.run import ReviewOptions, base_revision, review
    from reviewbot.project import find_root

    # Before anything can fail and print: git's and GitHub's messages are redacted from here on.
    register_secret(os.environ.get("GITHUB_TOKEN", "").strip())
    root, _ = find_root(Path.cwd())
    if os.environ.get("GITHUB_EVENT_NAME") == "pull_request_target":
        # The workflow runs with a write token: the pull request must not choose its own rules.
        args.trusted_config = base_revision(os.environ.get("GITHUB_EVENT_PATH", ""))
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
        sarif_artifact=args.sarif_artifact or None,
        agents_commit=getattr(args, "trusted_commit", None),
    )
    return review(options, settings, root, dict(os.environ))


def gitlab_review(args: argparse.Namespace) -> int:
    """``reviewbot gitlab``: the merge-request review of a GitLab CI job.

    A merge request from a fork takes its settings from the target branch's commit (its merge base).
    """
    try:
        import gitlab  # noqa: F401 - only whether python-gitlab is installed
    except ImportError:
        raise UsageError("reviewbot gitlab needs python-gitlab: pip install 'reviewbot[gitlab]'") from None
    from reviewbot.escape import register_secret
    from reviewbot.gitlab.run import ReviewOptions, review, trusted_revision
    from reviewbot.project import find_root

    # Before anything can fail and print: git's and GitLab's messages are redacted from here on.
    register_secret((os.environ.get("REVIEWBOT_GITLAB_TOKEN") or os.environ.get("GITLAB_TOKEN") or "").strip())
    root, _ = find_root(Path.cwd())
    fork_base = trusted_revision(dict(os.environ))
    if fork_base is not None and args.trusted_config is None:
        args.trusted_config = fork_base
    settings = _settings(args, root)
    options = ReviewOptions(
        mr=args.mr,
        max_comments=args.max_comments,
        filter_mode=args.filter_mode,
        docs_url=args.docs_url or _installed_docs(),
        write_interval=args.write_interval,
        paths=tuple(args.paths),
        code_quality=args.code_quality,
        agents_commit=getattr(args, "trusted_commit", None),
    )
    return review(options, settings, root, dict(os.environ))


def _installed_docs() -> str:
    """The rule docs of the GitHub repository this reviewbot was installed from, when pip recorded
    one; else the repository-relative ``docs/rules.md``."""
    from reviewbot.init import install_source

    source = install_source()
    repository, _, ref = source.partition("@") if source else ("", "", "")
    return f"https://github.com/{repository}/blob/{ref}/docs/rules.md" if source else "docs/rules.md"


def baseline(args: argparse.Namespace) -> int:
    """``reviewbot baseline``: record today's findings so that scans report only new ones."""
    from reviewbot.baseline import DEFAULT_BASELINE, write
    from reviewbot.config import inside
    from reviewbot.session import run

    # Every finding of the selected files, whatever baseline the config reads.
    request = replace(_request(args), baseline=None)
    result = run(request)
    # The file the config reads is the natural place to write.
    target = args.output or inside(request.root, request.settings.baseline or DEFAULT_BASELINE, "baseline")
    write(target, list(result.findings), request.root)
    print(f"reviewbot: recorded {len(result.findings)} findings in {target}")
    named = request.settings.baseline is not None and inside(request.root, request.settings.baseline, "baseline").resolve() == target.resolve()
    if not named and getattr(args, "trusted_config", None) is None:
        print(f"reviewbot: {_wire_baseline(request.root, getattr(args, 'config', None), target, edit=args.output is None)}")
    return EXIT_OK


def _wire_baseline(root: Path, explicit: Path | None, target: Path, edit: bool) -> str:
    """Name the baseline ``target`` in the config, so that a plain ``scan`` reads it: a line added
    to the repository's YAML config (a new ``.reviewbot.yml`` when there is none), when ``edit``;
    otherwise, for ``pyproject.toml``, a config outside the repository or one the line would not
    extend, the line to write. Says what was done."""
    import json

    from reviewbot.config import CONFIG_FILE, read_config, read_yaml_config
    from reviewbot.files import write_atomic

    try:
        name = target.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return f"{target} is outside the repository: pass `--baseline {target}` to each scan"
    config, source = read_config(root, explicit)
    # A JSON string is a YAML string: quoted, no name is read as another value (``yes``, ``a #b``).
    line = f"baseline: {json.dumps(name)}"
    if source.endswith("[tool.reviewbot]"):
        return f"add `baseline = {json.dumps(name)}` to [tool.reviewbot] in {source.removesuffix(' [tool.reviewbot]')}, and scans will report only new findings"
    if "baseline" in config:
        return f"{source} names another baseline ({config['baseline']}): write `{line}` there, or pass `--baseline {name}`"
    path = explicit if explicit is not None else root / CONFIG_FILE
    advice = f"write `{line}` in {path}, and scans will report only new findings"
    if not edit or not path.resolve().is_relative_to(root.resolve()):
        return advice
    exists = source != "built-in defaults"
    before = path.read_bytes() if exists else b""
    # The file's own line ending; the new text is checked before anything is written.
    newline = b"\r\n" if b"\r\n" in before else b"\n"
    separator = newline if before and not before.endswith(b"\n") else b""
    after = before + separator + line.encode() + newline
    try:
        if read_yaml_config(str(path), after.decode("utf-8")).get("baseline") != name:
            return advice
        write_atomic(path, after, root)
    except (ReviewbotError, UnicodeDecodeError, OSError):
        # A flow-style mapping (``{...}``), a document the line does not extend, a file that cannot be written.
        return advice
    return f"{path if explicit is not None else CONFIG_FILE} now names it (`{line}`): `reviewbot scan` reports only new findings"


def _write(report: str, output: Path | None, root: Path) -> None:
    """The report to ``--output`` or standard output. Inside the repository at ``root``, no link on
    the way to ``--output`` is followed: a committed ``out.sarif`` link must not send it elsewhere."""
    from reviewbot.files import write_atomic

    if output is not None:
        try:
            write_atomic(output, report, root)
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


def _trace(args: argparse.Namespace, wanted: str) -> int:
    """``reviewbot explain RB201 --at PATH:LINE``: the way the failure of that call goes."""
    from reviewbot.checks.failures import UnguardedExternalCall
    from reviewbot.files import read_source
    from reviewbot.project import find_root, list_files
    from reviewbot.session import Request, phase1

    if wanted.upper() != UnguardedExternalCall.id and wanted.lower() != UnguardedExternalCall.name:
        raise UsageError("--at follows the failure of an external call: it is for RB201 (unguarded-external-call) only")
    where, _, number = args.at.rpartition(":")
    if not where or not number.isdigit():
        raise UsageError(f"--at {args.at!r}: expected PATH:LINE, e.g. app/clients/payments.py:42")
    root, is_git = find_root(Path.cwd())
    settings = _settings(args, root)
    target = (Path.cwd() / where).resolve()
    if not target.is_relative_to(root.resolve()):
        raise UsageError(f"{where}: outside the repository at {root}")
    path = target.relative_to(root.resolve()).as_posix()
    settings = replace(settings, selected=settings.selected | {UnguardedExternalCall.id})
    request = Request(root=root, settings=settings, is_git=is_git, progress=False)
    files = list_files(root, is_git, [], settings.exclude)
    if path not in files:
        raise UsageError(f"{where}: not a Python file this scan reads")
    results = phase1(request, files, lambda name: read_source(root / name, settings.max_file_bytes))
    facts = {name: result.facts for name, result in results.items()}
    lines = UnguardedExternalCall.trace(facts, settings.project.module_name, path, int(number), tuple(settings.options["errors.boundaries"]))
    if not lines:
        sys.stdout.write(f"{path}:{number}: no external call whose failure leaves its function (a `try` around it catches it, or there is none)\n")
        return EXIT_OK
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def explain(args: argparse.Namespace) -> int:
    """``reviewbot explain RULE``."""
    from reviewbot.config import build_settings
    from reviewbot.docs import explain as explain_rule
    from reviewbot.project import find_root

    # Explanations show the built-in pack's defaults, whatever the local config says; a rule of a
    # plugin the config names is explained as that config sets it.
    wanted = args.rule.strip()
    if args.at is not None:
        return _trace(args, wanted)
    settings = build_settings({})
    for built_in in (True, False):
        if not built_in:
            settings = _settings(args, find_root(Path.cwd())[0])
        for spec in settings.specs.values():
            if wanted.upper() == spec.rule.id or wanted.lower() == spec.rule.name:
                sys.stdout.write(explain_rule(spec, settings))
                return EXIT_OK
    names = [*settings.specs, *(spec.rule.name for spec in settings.specs.values())]
    from reviewbot.validate import did_you_mean

    raise UsageError(f"unknown rule {wanted!r}{did_you_mean(wanted, names)}; `reviewbot rules` lists them all")
