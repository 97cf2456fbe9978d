"""Baselines: adopt reviewbot in a legacy repository by recording today's findings.

A baseline file lists the fingerprints of known findings; a scan with a baseline reports only the
findings whose fingerprint is not in it. Fingerprints hash the flagged text, not the line number,
so moving code or editing other lines keeps old findings recognised.
"""

from __future__ import annotations

import json
from pathlib import Path

from reviewbot import __version__
from reviewbot.model import Finding
from reviewbot.validate import ConfigError

# Where `reviewbot baseline` writes when no --output is given.
DEFAULT_BASELINE = ".reviewbot-baseline.json"


def write(path: Path, findings: list[Finding]) -> None:
    """Record ``findings``; the file is sorted and stable so that it diffs well in review."""
    entries = sorted(
        ({"fingerprint": f.fingerprint, "rule": f.rule, "path": f.path, "line": f.line, "message": f.message} for f in findings),
        key=lambda entry: (entry["path"], entry["line"], entry["rule"], entry["fingerprint"]),
    )
    document = {"version": 1, "tool": {"name": "reviewbot", "version": __version__}, "findings": entries}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load(path: Path) -> list[dict[str, object]]:
    """The entries of a baseline file, or a ``ConfigError`` naming what is wrong with it.

    Only ``fingerprint`` matters for matching; ``rule``, ``path``, ``line`` and ``message`` are
    there for people reading the file in review.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read baseline: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: not a reviewbot baseline (invalid JSON: {error})") from None
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise ConfigError(f"{path}: not a reviewbot baseline (expected {{\"findings\": [{{\"fingerprint\": ...}}]}})")
    return entries


def new_findings(findings: list[Finding], entries: list[dict[str, object]]) -> list[Finding]:
    """The findings that the baseline does not know."""
    known = {entry["fingerprint"] for entry in entries}
    return [finding for finding in findings if finding.fingerprint not in known]


def prune(path: Path, entries: list[dict[str, object]], findings: list[Finding], scanned: set[str]) -> int:
    """Drop the entries of scanned files whose finding is gone; return how many were dropped.

    Entries of files this run did not scan (a ``--diff`` run, or paths given) are kept.
    """
    present = {finding.fingerprint for finding in findings}
    kept = [entry for entry in entries if entry.get("path") not in scanned or entry["fingerprint"] in present]
    if len(kept) != len(entries):
        document = {"version": 1, "tool": {"name": "reviewbot", "version": __version__}, "findings": kept}
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(entries) - len(kept)
