"""``--format json``: the machine-readable report (``version`` 2: shard reports' facts carry ``generated``)."""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable

from reviewbot import __version__
from reviewbot.model import Finding
from reviewbot.report.base import Run, summary


def finding_dict(finding: Finding) -> dict[str, object]:
    """One finding in the JSON report's shape (keys are only ever added).

    ``Finding.from_record`` reads it back (``reviewbot merge``).

    Positions are 1-based; ``end_column`` is exclusive. ``fix`` is ``null`` or the exact edits
    ``--fix`` would apply, in the same coordinates.
    """
    fix = None
    if finding.fix is not None:
        fix = {
            "description": finding.fix.description,
            "edits": [
                {
                    "line": edit.line,
                    "column": edit.column,
                    "end_line": edit.end_line,
                    "end_column": edit.end_column,
                    "replacement": edit.replacement,
                }
                for edit in finding.fix.edits
            ],
        }
    return {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.label,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "message": finding.message,
        "quote": finding.quote,
        "source": None if finding.source is None else {"path": finding.source[0], "line": finding.source[1]},
        "fix": fix,
        "fingerprint": finding.fingerprint,
        # What `reviewbot merge` needs to rebuild the finding exactly (baselines, changed lines).
        "group": finding.group,
        "scope": list(finding.scope) if finding.scope is not None else None,
    }


def render(findings: list[Finding], run: Run) -> str:
    """The whole report as JSON, one finding per line.

    Findings are written by the C encoder one by one: ``indent`` would send every value through
    the pure-Python encoder, several seconds for a large report. One encoder serves them all
    (``json.dumps`` with options makes a new one per call, a third of the time of the whole).
    """
    tool = {"name": "reviewbot", "version": __version__}
    encode = _row_encoder()
    rows = ",\n".join(f"    {encode(finding_dict(finding))}" for finding in findings)
    lines = [
        "{",
        '  "version": 2,',
        f'  "tool": {json.dumps(tool)},',
        f'  "findings": [\n{rows}\n  ],' if rows else '  "findings": [],',
        f'  "summary": {json.dumps(summary(findings, run.files), ensure_ascii=False)}',
    ]
    if run.shard is not None:
        lines[-1] += ","
        lines.append(f'  "shard": "{run.shard[0]}/{run.shard[1]}"')
    # Only a shard's report carries its files' facts.
    if run.facts:
        lines[-1] += ","
        lines.append(_facts(run))
    return "\n".join([*lines, "}\n"])


def _row_encoder() -> Callable[[object], str]:
    """``json.dumps(value, ensure_ascii=False)`` for one finding: the C encoder made once, where
    ``JSONEncoder.encode`` makes one per call."""
    make = getattr(json.encoder, "c_make_encoder", None)  # the C accelerator, when Python has it
    if make is None:
        return json.JSONEncoder(ensure_ascii=False).encode
    encoder = make(None, None, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda value: "".join(encoder(value, 0))


def _facts(run: Run) -> str:
    """``"facts": [...]``, one file per line: what ``reviewbot merge`` needs for the project phase."""
    rows = ",\n".join(f"    {json.dumps(facts.to_record(), ensure_ascii=False)}" for facts in run.facts)
    return f'  "facts": [\n{rows}\n  ]'
