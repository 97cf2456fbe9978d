"""Baselines: adopt reviewbot in a legacy repository by recording today's findings.

A baseline file lists the fingerprints of known findings; a scan with a baseline reports only the
findings whose fingerprint is not in it. Fingerprints hash the flagged text, not the line number,
so moving code or editing other lines keeps old findings recognised.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from reviewbot import __version__
from reviewbot.errors import FileError
from reviewbot.files import read_text_file, write_atomic
from reviewbot.model import Finding

# The most a baseline may hold (about 200,000 findings).
MAX_BASELINE_BYTES = 64 << 20
# Where `reviewbot baseline` writes when no --output is given.
DEFAULT_BASELINE = ".reviewbot-baseline.json"


def write(path: Path, findings: list[Finding], root: Path) -> None:
    """Record ``findings`` in ``path`` (inside the repository at ``root``, no directory on the way
    a link); the file is sorted and stable so that it diffs well in review.

    ``group`` lets scans count identical findings; ``rule``, ``path``, ``line`` and ``message``
    are for the people who read the file.
    """
    entries = sorted(
        (
            {"fingerprint": f.fingerprint, "group": f.group, "rule": f.rule, "path": f.path, "line": f.line, "message": f.message}
            for f in findings
        ),
        key=lambda entry: (entry["path"], entry["line"], entry["rule"], entry["fingerprint"]),
    )
    document = {"version": 1, "tool": {"name": "reviewbot", "version": __version__}, "findings": entries}
    _save(path, document, root)


def _save(path: Path, document: dict[str, object], root: Path) -> None:
    """Write a baseline atomically: a scan reading it meanwhile sees the old file or the new one.

    Inside the repository at ``root`` no directory on the way may be a link: a committed one, or
    one an agent's shell made, must not send the file elsewhere.
    """
    try:
        write_atomic(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n", root)
    except OSError as error:
        raise FileError(f"{path}: cannot write baseline: {error.strerror}") from None


def load(path: Path) -> list[dict[str, object]]:
    """The entries of a baseline file, or a ``FileError`` naming what is wrong with it.

    Only ``fingerprint`` matters for matching; ``rule``, ``path``, ``line`` and ``message`` are
    there for people reading the file in review.
    """
    text = read_text_file(path, MAX_BASELINE_BYTES, str(path), "baseline", FileError)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileError(f"{path}: not a reviewbot baseline (invalid JSON: {error})") from None
    except (RecursionError, ValueError):
        raise FileError(f"{path}: not a reviewbot baseline (nested too deeply or a number too large)") from None
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise FileError(f"{path}: not a reviewbot baseline (expected {{\"findings\": [{{\"fingerprint\": ...}}]}})")
    return entries


def new_findings(findings: list[Finding], everything: list[Finding], entries: list[dict[str, object]]) -> list[Finding]:
    """The findings that the baseline does not know.

    Identical findings in a file (the same rule on the same text) are counted: when there are
    more of them in ``everything`` (all findings of the scanned files) than the baseline
    recorded, the surplus is new. The new ones are taken from ``findings`` (what the run
    reports, e.g. only added lines), preferring those whose exact fingerprint is unknown.
    """
    known = {entry["fingerprint"] for entry in entries}
    if not all(isinstance(entry.get("group"), str) for entry in entries):
        # A baseline without counts can only be matched exactly.
        return [finding for finding in findings if finding.fingerprint not in known]
    recorded = Counter(str(entry["group"]) for entry in entries)
    surplus = Counter(finding.group for finding in everything)
    surplus.subtract(recorded)
    result = []
    # Unknown fingerprints first; ``sorted`` keeps report order otherwise.
    for finding in sorted(findings, key=lambda finding: finding.fingerprint in known):
        if surplus[finding.group] > 0:
            surplus[finding.group] -= 1
            result.append(finding)
    return sorted(result, key=lambda finding: finding.sort_key)


def prune(
    path: Path, entries: list[dict[str, object]], everything: list[Finding], judged: Callable[[str, str], bool], root: Path
) -> int:
    """Drop the entries whose finding is gone; return how many were dropped.

    ``judged(path, rule)`` says whether this run could have seen that finding (the file was
    scanned and parsed, the rule was on); entries it could not have seen are kept.
    """
    present = {finding.fingerprint for finding in everything}
    kept = [entry for entry in entries if not judged(str(entry.get("path")), str(entry.get("rule"))) or entry["fingerprint"] in present]
    if len(kept) != len(entries):
        _save(path, {"version": 1, "tool": {"name": "reviewbot", "version": __version__}, "findings": kept}, root)
    return len(entries) - len(kept)
