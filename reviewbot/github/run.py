"""``reviewbot github``: review a pull request from inside GitHub Actions.

Reads the event (``GITHUB_EVENT_PATH``), scans the pull request's changed lines, and leaves one
review of inline comments plus one summary comment. When GitHub refuses to be written to (a fork's
read-only token) the findings become workflow-command annotations and a step summary instead; the
exit status is the merge gate's either way.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from reviewbot import session
from reviewbot.config import Settings
from reviewbot.change import Change, FileChange
from reviewbot.diff import compute, fetch, parse_patch
from reviewbot.errors import GitError, GitHubError
from reviewbot.files import write_atomic
from reviewbot.github.client import ApiFailed, PullRequestApi, Rejected, WriteDenied
from reviewbot.github.plan import MARKER_PATTERN, DiffFile, Plan, plan
from reviewbot.model import Finding
from reviewbot.report import markdown, sarif, text
from reviewbot.escape import code, register_secret
from reviewbot.report import github as workflow_commands
from reviewbot.report.base import Run, plural
from reviewbot.source import split_lines

if TYPE_CHECKING:
    import git

log = logging.getLogger(__name__)

# Marks reviewbot's reviews (each run adds its own id).
RUN_MARKER = "reviewbot:run"
# GitHub's limit for one step's summary.
STEP_SUMMARY_LIMIT = 1024 * 1024
# GitHub's limit for the body of one comment, in characters.
COMMENT_LIMIT = 65536


@dataclass(frozen=True)
class ReviewOptions:
    """The ``reviewbot github`` flags."""

    pr: int | None = None
    max_comments: int = 30
    filter_mode: str = "added"
    request_changes: bool = False
    # Inline comments link to ``{docs_url}#rb101-relative-import``.
    docs_url: str = "docs/rules.md"
    # Seconds between writes; GitHub asks for at least 1.
    write_interval: float = 1.0
    # Only changed files under these paths.
    paths: tuple[Path, ...] = ()
    # Also write the findings as SARIF here ...
    sarif_file: Path | None = None
    # ... which the workflow uploads as this artifact (the step summary links it).
    sarif_artifact: str | None = None
    # The commit the config and agent files came from (``--trusted-config``): agent rules are
    # linked there; ``None``: the head commit's.
    agents_commit: str | None = None


@dataclass(frozen=True)
class Event:
    """What the workflow run says about the pull request."""

    repository: str
    number: int
    api_url: str
    token: str
    step_summary: Path | None
    output: Path | None


def read_event(environ: dict[str, str], pr: int | None) -> Event:
    """The pull request from the environment GitHub Actions sets, or ``GitHubError`` naming what is missing.

    ``pull_request`` and ``pull_request_target`` events carry the number; other events
    (``workflow_dispatch``, re-runs) need ``--pr``.
    """
    repository = environ.get("GITHUB_REPOSITORY", "")
    # A token pasted with a newline still works; it is never printed (``escape.redact``).
    token = environ.get("GITHUB_TOKEN", "").strip()
    register_secret(token)
    if not repository or not token:
        raise GitHubError("reviewbot github needs GITHUB_REPOSITORY and GITHUB_TOKEN (run it in GitHub Actions)")
    number = pr
    # Without --pr, the event file must name the pull request.
    if number is None:
        path = environ.get("GITHUB_EVENT_PATH")
        try:
            event = json.loads(Path(path).read_text(encoding="utf-8")) if path else {}
        except (OSError, json.JSONDecodeError) as error:
            raise GitHubError(f"GITHUB_EVENT_PATH: cannot read the event: {error}") from None
        pull_request = event.get("pull_request") if isinstance(event, dict) else None
        number = pull_request.get("number") if isinstance(pull_request, dict) else None
        if not isinstance(number, int):
            raise GitHubError("this event has no pull request (workflow_dispatch, a re-run?): pass --pr N")
    # Both files are optional: outside Actions there is nowhere to write them.
    summary = environ.get("GITHUB_STEP_SUMMARY")
    output = environ.get("GITHUB_OUTPUT")
    return Event(
        repository=repository,
        number=number,
        api_url=environ.get("GITHUB_API_URL", "https://api.github.com"),
        token=token,
        step_summary=Path(summary) if summary else None,
        output=Path(output) if output else None,
    )


def pull_request_diff(patches: dict[str, str | None]) -> dict[str, FileChange]:
    """The pull request's own diff, as GitHub will judge comment positions against it."""
    files = {}
    for path, patch in patches.items():
        if patch:
            [change] = parse_patch(f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n{patch}")
            files[path] = change
    return files


def local_change(root: Path, base: str, head: str, remote: dict[str, FileChange], number: int) -> Change:
    """The change to review: the head commit's files, whatever the checkout holds.

    A clone without the head commit (``pull_request_target`` checks out the base) fetches its
    objects, never checking them out. Without the base or the merge base (a shallow clone), the
    changed lines come from the API's patches. Only a checkout of the pull request itself (its head,
    or GitHub's merge commit of it) may stand in for a head commit that cannot be had; otherwise
    the run stops, so that the gate never passes files it did not review.
    """
    import git

    try:
        repo = git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitHubError(f"{root} is not a git checkout: add actions/checkout before reviewbot") from None
    if not _has_commit(repo, head) and not _fetch(repo, head, f"refs/pull/{number}/head"):
        if not _checkout_is(repo, head):
            raise GitHubError(
                f"the pull request's head commit {head[:12]} is not in this clone and cannot be fetched, and the checkout "
                "is another commit: check out the pull request (actions/checkout with `ref: ${{ github.event.pull_request.head.sha }}`) "
                "or let `git fetch origin` reach it"
            )
        log.warning("the head commit cannot be fetched; reading the checkout of the pull request")
        return _patches_only(root, base, None, remote)
    try:
        return compute(root, base, head=head)
    except GitError:
        return _patches_only(root, base, head, remote)


def _patches_only(root: Path, base: str, head: str | None, remote: dict[str, FileChange]) -> Change:
    log.warning("the base commit or the merge base is not in this clone; using the pull request's patches from the API")
    return Change(root, base, head, remote)


def _has_commit(repo: git.Repo, sha: str) -> bool:
    import git

    try:
        repo.git.cat_file("-e", f"{sha}^{{commit}}")
    except git.GitCommandError:
        return False
    return True


def _fetch(repo: git.Repo, sha: str, ref: str) -> bool:
    """Fetch the objects of commit ``sha`` (by hash, else through ``ref``); whether it is here now."""
    for wanted in (sha, ref):
        failed = fetch(repo, wanted)
        if failed:
            log.info("git fetch origin %s: %s", wanted, failed)
        if _has_commit(repo, sha):
            return True
    return False


def _checkout_is(repo: git.Repo, sha: str) -> bool:
    """Whether the checkout is commit ``sha`` or a merge of it (``pull_request``'s merge commit).

    A shallow clone lacks the merge commit's parents but its object still names them.
    """
    import git

    try:
        raw = repo.git.cat_file("commit", "HEAD")
    except git.GitCommandError:
        return False
    parents = [line.split()[1] for line in raw.split("\n\n", 1)[0].splitlines() if line.startswith("parent ")]
    return repo.head.commit.hexsha == sha or sha in parents


def review(options: ReviewOptions, settings: Settings, root: Path, environ: dict[str, str]) -> int:
    """Run the whole pull-request review; return the exit status.

    The findings are those of ``scan --diff BASE --head HEAD``; where they are posted depends on
    what GitHub allows. Whatever happens to the writes, the exit status is the gate's.
    """
    event = read_event(environ, options.pr)
    try:
        api = PullRequestApi(event.api_url, event.token, event.repository, event.number, write_interval=options.write_interval)
        remote = pull_request_diff(api.files())
    except ApiFailed as error:
        raise GitHubError(f"cannot read pull request #{event.number} of {event.repository}: {error}") from None
    change = local_change(root, api.base_sha, api.head_sha, remote, event.number)
    # Files are read from the head commit (or the checkout, in the API fallback).
    result = session.run(session.Request(root=root, settings=settings, paths=options.paths, change=change, filter_mode=options.filter_mode))
    findings = list(result.findings)
    run = Run.of(settings, result.scanned)
    failing = result.fails()
    try:
        inline = _post(api, findings, remote, change, options, failing)
        not_inline = [f for f in findings if f.fingerprint not in inline]
        body = markdown.render(findings, run, listed=not_inline, title="Not commented inline")
        # GitHub refuses a longer comment (422), which would leave an earlier run's summary standing.
        where = _full_list(event, options.sarif_file, len(not_inline))
        comment = markdown.render(findings, run, listed=not_inline, title="Not commented inline", max_chars=COMMENT_LIMIT, full_list=where)
        api.upsert_summary(comment, markdown.SUMMARY_MARKER)
    except WriteDenied:
        # A fork's read-only token: annotations and the step summary carry the findings instead.
        log.warning("GitHub refused to be written to (fork or read-only token); reporting as annotations")
        sys.stdout.write(workflow_commands.render(findings, run))
        body = markdown.render(findings, run)
    except ApiFailed as error:
        log.warning("GitHub API failed (%s); reporting as annotations", error)
        sys.stdout.write(workflow_commands.render(findings, run))
        body = markdown.render(findings, run)
    sarif_written = options.sarif_file is not None
    if options.sarif_file is not None:
        # Inside the checkout no link on the way is followed: the pull request may commit one there.
        try:
            write_atomic(options.sarif_file, sarif.render(findings, run), root)
        except OSError as error:
            # The review is posted and the gate decides as ever; only this copy of the findings is lost.
            log.warning("%s: SARIF file not written: %s", options.sarif_file, error.strerror)
            sarif_written = False
    if sarif_written and options.sarif_file is not None:
        body += _sarif_line(options.sarif_file, options.sarif_artifact, environ)
    _write_step(event, body, findings, options.sarif_file)
    _log_gate(findings, run, settings)
    return 1 if failing else 0


def _log_gate(findings: list[Finding], run: Run, settings: Settings) -> None:
    """The gate's decision in the job's log, after the findings that fail it (text format).

    Between ``::stop-commands::`` and its token, no line of them is read as a workflow command.
    """
    failing = [finding for finding in findings if settings.fails(finding)]
    gate = settings.fail_on.label if settings.fail_on is not None else None
    if failing:
        token = uuid.uuid4().hex
        sys.stdout.write(f"::stop-commands::{token}\n{text.render(failing, replace(run, quiet=True))}::{token}::\n")
        print(f"reviewbot: the gate fails: {plural(len(failing), 'finding')} at or above {gate} (fail-on) on the pull request's changed lines")
    elif gate is None:
        print(f"reviewbot: the gate is off (fail-on: never); {plural(len(findings), 'finding')} on the pull request's changed lines")
    else:
        print(f"reviewbot: the gate passes: no finding at or above {gate} (fail-on) among {plural(len(findings), 'finding')} on the changed lines")


def _sarif_line(sarif_file: Path, artifact: str | None, environ: dict[str, str]) -> str:
    """The step summary's line saying where the SARIF file is: this run's artifacts, when uploaded."""
    line = f"\n\nThe findings as SARIF: {code(str(sarif_file))}"
    run_id, repository = environ.get("GITHUB_RUN_ID", ""), environ.get("GITHUB_REPOSITORY", "")
    if artifact and run_id.isdigit() and repository:
        server = environ.get("GITHUB_SERVER_URL", "https://github.com")
        line += f", uploaded as the artifact {code(artifact)} of [this run]({server}/{repository}/actions/runs/{run_id}#artifacts)"
    return line + ".\n"


def _post(
    api: PullRequestApi, findings: list[Finding], remote: dict[str, FileChange], change: Change, options: ReviewOptions, failing: bool
) -> set[str]:
    """Post the review and tidy old comments; return the fingerprints that have an inline comment.

    Comment positions are judged against GitHub's own patches (``remote``), which is what GitHub
    validates them against; the file text for suggestions comes from the head commit.
    """
    diff = {}
    for path, file in remote.items():
        lines = split_lines(change.read(path).decode("utf-8", "replace")) if path in change.files else []
        diff[path] = DiffFile(file.hunks, file.added, lines)
    posted = api.review_comments()
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    blob_url = f"{server}/{api.repository}/blob/{options.agents_commit or api.head_sha}"
    actions = plan(findings, diff, posted, max_comments=options.max_comments, docs_url=options.docs_url, blob_url=blob_url)
    event = "REQUEST_CHANGES" if failing and options.request_changes else "COMMENT"
    placed = {fingerprint for comment in actions.post for fingerprint in comment.covers} | {f.fingerprint for f in actions.already_posted}
    # Requesting changes again with nothing new would only repeat the last review.
    repeat = event == "REQUEST_CHANGES" and not actions.post and api.latest_review_state(RUN_MARKER) == "CHANGES_REQUESTED"
    if (actions.post or event == "REQUEST_CHANGES") and not repeat:
        marker = f"<!-- {RUN_MARKER}={uuid.uuid4().hex} -->"
        body = f"reviewbot: {len(actions.post)} new finding{'' if len(actions.post) == 1 else 's'} on this change.\n\n{marker}"
        try:
            api.create_review(body, event, actions.post, marker)
        except Rejected:
            # One comment GitHub will not place must not cost the others: post them one by one.
            for comment in actions.post:
                try:
                    api.create_comment(comment)
                except Rejected:
                    placed.difference_update(comment.covers)
    _tidy(api, actions)
    return placed


def _tidy(api: PullRequestApi, actions: Plan) -> None:
    """Delete comments whose finding is gone; keep answered ones, marked resolved."""
    for comment in actions.delete:
        api.delete_comment(comment.id)
    for comment in actions.resolve:
        # The old suggestion must not stay appliable: its fence becomes a plain code block.
        text = MARKER_PATTERN.sub("", comment.body).strip().replace("suggestion\n", "python\n")
        api.edit_comment(comment.id, f"**Resolved**: this finding is gone.\n\n<details><summary>Original comment</summary>\n\n{text}\n\n</details>")


def _full_list(event: Event, sarif_file: Path | None, listed: int) -> str:
    """Where a reader finds all ``listed`` findings a cut summary leaves some of out."""
    # The step summary lists as many as the Markdown report does.
    places = ["the job's step summary"] if event.step_summary is not None and listed <= markdown.MAX_LISTED else []
    if sarif_file is not None:
        places.append(f"the SARIF file {code(str(sarif_file))}")
    return "see " + " or ".join(places) if places else "run `reviewbot scan` locally"


def _write_step(event: Event, body: str, findings: list[Finding], sarif_file: Path | None) -> None:
    """The step summary (within GitHub's 1 MiB) and the step outputs."""
    if event.step_summary is not None:
        data = body.encode("utf-8")[: STEP_SUMMARY_LIMIT - 1].decode("utf-8", "ignore")
        with event.step_summary.open("a", encoding="utf-8") as handle:
            handle.write(data + "\n")
    if event.output is not None:
        with event.output.open("a", encoding="utf-8") as handle:
            handle.write(f"findings={len(findings)}\n")
            if sarif_file is not None:
                handle.write(f"sarif-file={sarif_file}\n")


def base_revision(event_path: str) -> str:
    """The pull request's base commit, from the event GitHub Actions wrote."""
    try:
        return str(json.loads(Path(event_path).read_text(encoding="utf-8"))["pull_request"]["base"]["sha"])
    except (OSError, ValueError, KeyError, TypeError):
        raise GitHubError("pull_request_target: cannot read the base commit from GITHUB_EVENT_PATH") from None
