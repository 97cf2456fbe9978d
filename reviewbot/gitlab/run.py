"""``reviewbot gitlab``: review a merge request from inside GitLab CI.

Reads the merge-request pipeline's variables, scans the merge request's changed lines and leaves one
discussion per finding on its diff line, plus one summary note kept up to date. Re-runs recognise
their own notes by the fingerprints in them, on notes of the token's own user only. The findings
always go to a Code Quality report as well (``artifacts:reports:codequality``), which carries them
alone when the token cannot write (a CI job token, a ``read_api`` token, no token at all). The exit
status is the merge gate's either way.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from reviewbot import session
from reviewbot.change import Change, FileChange
from reviewbot.config import Settings
from reviewbot.diff import compute
from reviewbot.errors import GitLabError
from reviewbot.escape import register_secret
from reviewbot.files import write_atomic
from reviewbot.forge.checkout import local_change, patch_files
from reviewbot.forge.gate import gate_log
from reviewbot.forge.plan import MARKER_PATTERN, DiffFile, InlineComment, Plan, PostedComment, plan
from reviewbot.forge.api import ApiFailed, WriteDenied
from reviewbot.gitlab.client import MergeRequestApi, Thread
from reviewbot.model import Finding
from reviewbot.report import gitlab as code_quality
from reviewbot.report import markdown
from reviewbot.report.base import Run
from reviewbot.source import split_lines

log = logging.getLogger(__name__)

# GitLab's limit for the text of one note, in characters.
NOTE_LIMIT = 1_000_000
# Where the Code Quality report goes unless --code-quality names another file.
CODE_QUALITY_FILE = "gl-code-quality-report.json"
# A suggestion's fence: as ``forge.plan`` writes it (GitHub's syntax), or in GitLab's.
SUGGESTION = re.compile(r"^(`{3,})suggestion(?::-\d+\+\d+)?$", re.M)
# A hunk header: where the hunk starts on the old and the new side.
HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True)
class ReviewOptions:
    """The ``reviewbot gitlab`` flags."""

    mr: int | None = None
    max_comments: int = 30
    filter_mode: str = "added"
    docs_url: str = "docs/rules.md"
    # Seconds between writes.
    write_interval: float = 1.0
    paths: tuple[Path, ...] = ()
    code_quality: Path = Path(CODE_QUALITY_FILE)
    # The commit the config and agent files came from (a merge request from a fork: the target
    # branch's); agent rules are linked there. ``None``: the head commit's.
    agents_commit: str | None = None


@dataclass(frozen=True)
class Pipeline:
    """What the merge-request pipeline says about the merge request."""

    api_url: str
    project: str
    iid: int
    token: str
    project_url: str
    # The merge base and the head commit, for a review without the API.
    base: str
    head: str


def read_pipeline(environ: dict[str, str], mr: int | None) -> Pipeline:
    """The merge request from GitLab CI's predefined variables, or ``GitLabError`` naming what is missing."""
    token = (environ.get("REVIEWBOT_GITLAB_TOKEN") or environ.get("GITLAB_TOKEN") or "").strip()
    register_secret(token)
    api_url = environ.get("CI_API_V4_URL") or (environ["CI_SERVER_URL"].rstrip("/") + "/api/v4" if environ.get("CI_SERVER_URL") else "")
    project = environ.get("CI_MERGE_REQUEST_PROJECT_ID") or environ.get("CI_PROJECT_ID") or ""
    iid = mr if mr is not None else int(environ["CI_MERGE_REQUEST_IID"]) if environ.get("CI_MERGE_REQUEST_IID", "").isdigit() else None
    if not api_url or not project:
        raise GitLabError("reviewbot gitlab needs CI_API_V4_URL and CI_PROJECT_ID (run it in GitLab CI)")
    if iid is None:
        raise GitLabError(
            "not a merge-request pipeline (no CI_MERGE_REQUEST_IID): run the job with "
            "`rules: [{if: $CI_PIPELINE_SOURCE == \"merge_request_event\"}]`, or pass --mr N"
        )
    return Pipeline(
        api_url=api_url,
        project=project,
        iid=iid,
        token=token,
        project_url=environ.get("CI_MERGE_REQUEST_PROJECT_URL") or environ.get("CI_PROJECT_URL", ""),
        base=environ.get("CI_MERGE_REQUEST_DIFF_BASE_SHA", ""),
        # A merged-results pipeline's CI_COMMIT_SHA is the merge with the target branch: the source's head is the change.
        head=environ.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or environ.get("CI_COMMIT_SHA", ""),
    )


def review(options: ReviewOptions, settings: Settings, root: Path, environ: dict[str, str]) -> int:
    """Run the whole merge-request review; return the exit status (the gate's).

    Whatever GitLab does (no token, a token that cannot read or write, failures on the way), the
    gate decides, the Code Quality report is written and the log lists the failing findings.
    """
    pipeline = read_pipeline(environ, options.mr)
    if not pipeline.token:
        log.warning("no REVIEWBOT_GITLAB_TOKEN (or GITLAB_TOKEN): the findings go to the Code Quality report only (the CI job token cannot write notes)")
    api, diffs, remote, change = _from_api(root, pipeline, options) if pipeline.token else (None, {}, {}, None)
    if change is None:
        if not (pipeline.base and pipeline.head):
            raise GitLabError("without the API, the review needs CI_MERGE_REQUEST_DIFF_BASE_SHA and CI_COMMIT_SHA (a merge-request pipeline)")
        change = compute(root, pipeline.base, head=pipeline.head)
    result = session.run(session.Request(root=root, settings=settings, paths=options.paths, change=change, filter_mode=options.filter_mode))
    findings = list(result.findings)
    run = Run.of(settings, result.scanned)
    try:
        # Inside the checkout no link on the way is followed: the merge request may commit one there.
        write_atomic(root / options.code_quality, code_quality.render(findings, run), root)
        full_list = "see the job's Code Quality report"
    except OSError as error:
        # The gate decides as ever, and the log lists the failing findings.
        log.warning("%s: Code Quality report not written: %s", options.code_quality, error.strerror)
        full_list = "run `reviewbot scan` locally"
    if api is not None and api.user_id is None:
        log.warning("this token has no user: it cannot write notes; the Code Quality report has the findings")
    elif api is not None:
        _discuss(api, findings, run, diffs, remote, change, options, pipeline, full_list)
    sys.stdout.write(gate_log(findings, run, settings))
    return 1 if result.fails() else 0


def _from_api(
    root: Path, pipeline: Pipeline, options: ReviewOptions
) -> tuple[MergeRequestApi | None, dict[str, tuple[str, str | None]], dict[str, FileChange], Change | None]:
    """The merge request, its diffs (as GitLab sends them, and parsed) and the change to review;
    nothing when GitLab cannot be read (a revoked token, a job token, an outage), and the review
    then goes on from git alone."""
    try:
        api = MergeRequestApi(pipeline.api_url, pipeline.token, pipeline.project, pipeline.iid, write_interval=options.write_interval)
        diffs = api.diffs()
    except ApiFailed as error:
        log.warning("cannot read merge request !%d of project %s (%s): the findings go to the Code Quality report only", pipeline.iid, pipeline.project, error)
        return None, {}, {}, None
    remote = patch_files({path: patch for path, (_, patch) in diffs.items()})
    hint = "let the job fetch it (`variables: {GIT_DEPTH: 0}`)"
    return api, diffs, remote, local_change(root, api.diff_refs["base_sha"], api.diff_refs["head_sha"], remote, f"refs/merge-requests/{pipeline.iid}/head", hint)


def _discuss(
    api: MergeRequestApi,
    findings: list[Finding],
    run: Run,
    diffs: dict[str, tuple[str, str | None]],
    remote: dict[str, FileChange],
    change: Change,
    options: ReviewOptions,
    pipeline: Pipeline,
    full_list: str,
) -> None:
    """Open the new findings' discussions, update the summary note, then tidy the old discussions.

    A note GitLab will not take costs only itself: its findings are listed in the summary, which
    is written whatever happened to the notes before it.
    """
    diff = {}
    for path, file in remote.items():
        lines = split_lines(change.read(path).decode("utf-8", "replace")) if path in change.files else []
        diff[path] = DiffFile(file.hunks, file.added, lines)
    try:
        threads = api.threads()
    except ApiFailed as error:
        log.warning("GitLab API failed (%s); the Code Quality report has the findings", error)
        return
    # Markers count on this token's own notes only: anyone can write one into a comment.
    posted = {thread.note_id: thread for thread in threads}
    comments = [PostedComment(thread.note_id, "", thread.body, thread.replied, ours=thread.author_id == api.user_id) for thread in threads]
    blob_url = f"{pipeline.project_url}/-/blob/{options.agents_commit or api.diff_refs['head_sha']}"
    actions = plan(findings, diff, comments, max_comments=options.max_comments, docs_url=options.docs_url, blob_url=blob_url)
    placed = {fingerprint for comment in actions.post for fingerprint in comment.covers} | {f.fingerprint for f in actions.already_posted}
    for comment in actions.post:
        try:
            position = _position(comment, remote[comment.path], *diffs[comment.path])
            api.create_thread(_gitlab_body(comment), position, functools.partial(_posted, api, comment.fingerprint))
        except ApiFailed as error:
            # Refused (a line GitLab will not take) or failed: the summary lists its findings.
            log.warning("GitLab did not take a note on %s:%d (%s); it is listed in the summary", comment.path, comment.line, error)
            placed.difference_update(comment.covers)
        except WriteDenied as error:
            log.warning("GitLab refused to be written to (%s); the Code Quality report has the findings", error)
            return
    not_inline = [finding for finding in findings if finding.fingerprint not in placed]
    body = markdown.render(findings, run, listed=not_inline, title="Not commented inline", max_chars=NOTE_LIMIT, full_list=full_list)
    try:
        api.upsert_summary(body, markdown.SUMMARY_MARKER)
        _tidy(api, actions, posted)
    except (ApiFailed, WriteDenied) as error:
        log.warning("GitLab did not take the summary or the tidying of old notes (%s); the Code Quality report has the findings", error)


def _tidy(api: MergeRequestApi, actions: Plan, posted: dict[int, Thread]) -> None:
    """Delete the discussions whose finding is gone; an answered one is marked resolved instead.
    One GitLab refuses (resolving needs the Developer role) is left as it is."""
    for old in actions.delete:
        api.delete_note(posted[old.id].id, old.id)
    for old in actions.resolve:
        text = SUGGESTION.sub(r"\1python", MARKER_PATTERN.sub("", old.body)).strip()
        try:
            api.resolve(posted[old.id].id)
        except WriteDenied as error:
            log.warning("a discussion whose finding is gone is not marked resolved (%s)", error)
            continue
        api.edit_note(posted[old.id].id, old.id, f"**Resolved**: this finding is gone.\n\n<details><summary>Original comment</summary>\n\n{text}\n\n</details>")


def _gitlab_body(comment: InlineComment) -> str:
    """The comment in GitLab's words: a suggestion replaces the lines from its start to the note's line."""
    above = comment.line - comment.start_line if comment.start_line is not None else 0
    return SUGGESTION.sub(lambda match: f"{match[1]}suggestion:-{above}+0", comment.body, count=1)


def _position(comment: InlineComment, file: FileChange, old_path: str, patch: str | None) -> dict[str, object]:
    """Where on the diff the note goes: an added line by its new number, an unchanged one by both."""
    position: dict[str, object] = {"old_path": old_path, "new_path": comment.path, "new_line": comment.line}
    old = _old_line(patch or "", comment.line) if comment.line not in file.added else None
    if old is not None:
        position["old_line"] = old
    return position


def _old_line(patch: str, line: int) -> int | None:
    """The old side's number of the unchanged line ``line`` of a patch."""
    old = new = 0
    for text in patch.split("\n"):
        header = HUNK.match(text)
        if header:
            old, new = int(header[1]), int(header[2])
        elif text.startswith("+"):
            new += 1
        elif text.startswith("-"):
            old += 1
        elif not text.startswith("\\"):
            if new == line:
                return old
            old, new = old + 1, new + 1
    return None


def _posted(api: MergeRequestApi, fingerprint: str) -> Thread | None:
    """This token's discussion about ``fingerprint``, if a write whose answer was lost made it."""
    return next((t for t in api.threads() if t.author_id == api.user_id and fingerprint in PostedComment(0, "", t.body).fingerprints), None)


def trusted_revision(environ: dict[str, str]) -> str | None:
    """For a merge request from a fork, the target branch's commit its settings must come from."""
    source, target = environ.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID"), environ.get("CI_MERGE_REQUEST_PROJECT_ID")
    if not (source and target and source != target):
        return None
    base = environ.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")
    if not base:
        raise GitLabError("a merge request from a fork: its settings come from the target branch, and CI_MERGE_REQUEST_DIFF_BASE_SHA is not set")
    return base

