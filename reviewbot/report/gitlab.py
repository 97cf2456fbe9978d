"""``--format gitlab``: GitLab's Code Quality report, for ``artifacts:reports:codequality``.

GitLab shows it in the merge request's widget and beside the diff. Each finding is an issue with
the fields GitLab reads: ``description``, ``check_name``, ``fingerprint`` (unique per finding: GitLab
keeps one issue per fingerprint), ``severity`` and ``location.path`` / ``location.lines.begin``.
"""

from __future__ import annotations

import json

from reviewbot.model import Finding, Severity
from reviewbot.report.base import Run

# GitLab's scale is info, minor, major, critical, blocker; a gate error ranks above a warning.
SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(findings: list[Finding], run: Run) -> str:
    """The report: a JSON array of issues, in report order."""
    issues = [
        {
            "description": f"{finding.rule} {finding.message}",
            "check_name": f"{finding.rule} {finding.name}",
            "fingerprint": finding.fingerprint,
            "severity": SEVERITY[finding.severity],
            "location": {"path": finding.path, "lines": {"begin": finding.line, "end": max(finding.line, finding.end_line)}},
        }
        for finding in findings
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
