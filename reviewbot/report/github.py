"""``--format github``: workflow commands that GitHub Actions turns into annotations."""

from __future__ import annotations

from reviewbot.escape import redact
from reviewbot.model import Finding, Severity
from reviewbot.report.base import Run

# GitHub has no "info" annotation; "notice" is the closest.
COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return redact(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: list[Finding], run: Run) -> str:
    """One ``::error file=…,line=…::message`` line per finding."""
    lines = []
    for f in findings:
        properties = (
            f"file={_escape_property(f.path)},line={f.line},endLine={f.end_line},"
            f"col={f.column},endColumn={f.end_column},title={f.rule}"
        )
        message = f"{f.name}: {f.message}" + ("" if f.quote is None else f'\nAgent rule: "{f.quote}"')
        lines.append(f"::{COMMANDS[f.severity]} {properties}::{_escape_data(message)}\n")
    return "".join(lines)
