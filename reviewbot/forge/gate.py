"""The gate's decision as a CI log shows it: the failing findings, then one line saying why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from reviewbot.config import Settings
from reviewbot.model import Finding
from reviewbot.report import text
from reviewbot.report.base import Run, plural


def gate_log(findings: list[Finding], run: Run, settings: Settings, fence: Callable[[str], str] = str) -> str:
    """The findings that fail the gate (text format, ``fence`` around them), then the gate's decision."""
    failing = [finding for finding in findings if settings.fails(finding)]
    gate = settings.fail_on.label if settings.fail_on is not None else None
    if failing:
        listed = fence(text.render(failing, replace(run, quiet=True)))
        return f"{listed}reviewbot: the gate fails: {plural(len(failing), 'finding')} at or above {gate} (fail-on) on the changed lines\n"
    if gate is None:
        return f"reviewbot: the gate is off (fail-on: never); {plural(len(findings), 'finding')} on the changed lines\n"
    return f"reviewbot: the gate passes: no finding at or above {gate} (fail-on) among {plural(len(findings), 'finding')} on the changed lines\n"
