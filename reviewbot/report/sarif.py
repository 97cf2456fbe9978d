"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other viewers."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from reviewbot import __version__
from reviewbot.model import Finding, Severity
from reviewbot.report.base import Run

# SARIF calls "info" a "note".
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# The official schema (OASIS, errata 01) the output validates against.
SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": max(end_column, 1)}


def _result(finding: Finding, index: int) -> dict[str, Any]:
    """One SARIF ``result``: location, level, fingerprint and, if fixable, the fix.

    Paths are relative to ``%SRCROOT%`` (the repository root), which code scanning resolves to the
    checkout; ``partialFingerprints`` lets it follow a finding across commits.
    """
    # A relative URI reference: spaces, "#" and the like percent-encoded.
    location = {"uri": quote(finding.path), "uriBaseId": "%SRCROOT%"}
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": location,
                    "region": _region(finding.line, finding.column, finding.end_line, finding.end_column),
                }
            }
        ],
        "partialFingerprints": {"reviewbot/v1": finding.fingerprint},
    }
    # Enabled by the repository's own agent file (``packs: [auto]``): the bullet, and where it is.
    if finding.source is not None:
        bullet = {"uri": quote(finding.source[0]), "uriBaseId": "%SRCROOT%"}
        result["relatedLocations"] = [
            {"id": 1, "message": {"text": f"agent rule: {finding.quote}"}, "physicalLocation": {"artifactLocation": bullet, "region": {"startLine": finding.source[1]}}}
        ]
    # SARIF regions are 1-based with an exclusive end column, like reviewbot's edits.
    if finding.fix is not None:
        replacements = [
            {
                "deletedRegion": _region(edit.line, edit.column, edit.end_line, edit.end_column),
                "insertedContent": {"text": edit.replacement},
            }
            for edit in finding.fix.edits
        ]
        result["fixes"] = [
            {
                "description": {"text": finding.fix.description},
                "artifactChanges": [{"artifactLocation": location, "replacements": replacements}],
            }
        ]
    return result


def render(findings: list[Finding], run: Run) -> str:
    """A one-run SARIF log with every selected rule described.

    Each rule carries its summary, rationale and agent quote, so a viewer can explain a result
    without reviewbot installed.
    """
    rule_ids = sorted(run.selected | {finding.rule for finding in findings})
    rules = []
    for rule_id in rule_ids:
        rule = run.rules[rule_id]
        text = f"{rule.summary}\n\n{rule.why}"
        if rule.quote:
            text += f'\n\nAgent rule: "{rule.quote}"'
        rules.append(
            {
                "id": rule_id,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.why},
                "help": {"text": text, "markdown": text},
                "defaultConfiguration": {"level": LEVELS[rule.severity]},
                "properties": {"quote": rule.quote or "", "tags": ["reviewbot", rule.name]},
            }
        )
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "reviewbot", "version": __version__, "rules": rules}},
                "results": [_result(finding, index[finding.rule]) for finding in findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
