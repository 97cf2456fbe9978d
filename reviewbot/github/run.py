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
from dataclasses import dataclass
from pathlib import Path

from reviewbot import session
from reviewbot.config import Settings
from reviewbot.change import Change, FileChange
from reviewbot.forge.checkout import local_change, patch_files
from reviewbot.forge.gate import gate_log
from reviewbot.errors import GitHubError
from reviewbot.files import write_atomic
from reviewbot.forge.api import ApiFailed, Rejected, WriteDenied
from reviewbot.github.client import PullRequestApi
from reviewbot.forge.plan import MARKER_PATTERN, DiffFile, Plan, plan
from reviewbot.model import Finding
from reviewbot.report import markdown, sarif
from reviewbot.escape import code, register_secret
from reviewbot.report import github as workflow_commands
from reviewbot.report.base import Run
from reviewbot.source import split_lines

log = logging.getLogger(__name__)

# Marks reviewbot's reviews (each run adds its own id).
RUN_MARKER = "reviewbot:run"
# GitHub's limit for one step's summary.
STEP_SUMMARY_LIMIT = 1024 * 1024
# GitHub's limit for the body of one comment, in characters.
COMMENT_LIMIT = 65536
# What to do when the head commit cannot be had.
CHECKOUT_HINT = "check out the pull request (actions/checkout with `ref: ${{ github.event.pull_request.head.sha }}`)"


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


def review(options: ReviewOptions, settings: Settings, root: Path, environ: dict[str, str]) -> int:
    """Run the whole pull-request review; return the exit status.

    The findings are those of ``scan --diff BASE --head HEAD``; where they are posted depends on
    what GitHub allows. Whatever happens to the writes, the exit status is the gate's.
    """
    event = read_event(environ, options.pr)
    try:
        api = PullRequestApi(event.api_url, event.token, event.repository, event.number, write_interval=options.write_interval)
        remote = patch_files(api.files())
    except ApiFailed as error:
        raise GitHubError(f"cannot read pull request #{event.number} of {event.repository}: {error}") from None
    change = local_change(root, api.base_sha, api.head_sha, remote, f"refs/pull/{event.number}/head", CHECKOUT_HINT)
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
    _write_step(event, body, findings, options.sarif_file if sarif_written else None)
    sys.stdout.write(gate_log(findings, run, settings, _fence))
    return 1 if failing else 0


def _fence(listing: str) -> str:
    """``listing`` between ``::stop-commands::`` and its token: no line of it is a workflow command."""
    token = uuid.uuid4().hex
    return f"::stop-commands::{token}\n{listing}::{token}::\n"


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
