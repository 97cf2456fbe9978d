"""``reviewbot merge``: the JSON reports of a sharded scan, read back as one scan's findings."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

from reviewbot.config import Settings
from reviewbot.errors import FileError
from reviewbot.model import Facts, Finding

log = logging.getLogger(__name__)


def read_reports(paths: list[Path], strict: bool = False) -> tuple[list[Finding], int, dict[str, Facts]]:
    """Every finding of the reports (sorted), how many files they scanned, and the files' facts.

    A report that cannot be read, is not a reviewbot JSON report, or predates the keys ``merge``
    needs (``group``, ``scope``) is a ``FileError`` naming it; two reports that both hold a file
    are refused too (shards are disjoint, so it would be counted twice). Shards of a matrix that
    are missing (``--shard K/N`` reports without every K) are a warning, or with ``strict`` a
    ``FileError``.
    """
    findings: list[Finding] = []
    files = 0
    # The shards the reports say they are: (K, N).
    shards: list[tuple[int, int]] = []
    # Only shard reports carry facts; a report of a whole scan has none (its project phase ran).
    facts: dict[str, Facts] = {}
    # Which report (by position) each file's findings came from.
    owner: dict[str, int] = {}
    for index, path in enumerate(paths):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            found = [Finding.from_record(record) for record in document["findings"]]
            files += int(document["summary"]["files"])
            known = [Facts.from_record(record) for record in document.get("facts", [])]
            shard = _shard(document["shard"]) if "shard" in document else None
        except OSError as error:
            raise FileError(f"{path}: cannot read report: {error.strerror}") from None
        except (ValueError, KeyError, TypeError) as error:
            raise FileError(f"{path}: not a reviewbot JSON report of this version ({type(error).__name__}: {error})") from None
        if shard is not None:
            if shard in shards:
                raise FileError(f"{path} is shard {shard[0]}/{shard[1]} a second time: merge the reports of disjoint shards")
            shards.append(shard)
        for finding in found:
            if owner.setdefault(finding.path, index) != index:
                other = paths[owner[finding.path]]
                raise FileError(f"{path} and {other} both report {finding.path}: merge the reports of disjoint shards")
        findings.extend(found)
        for file_facts in known:
            if file_facts.path in facts:
                raise FileError(f"{path} holds the facts of {file_facts.path} a second time: merge the reports of disjoint shards")
            facts[file_facts.path] = file_facts
    if shards and len(shards) != len(paths):
        raise FileError("some reports are shards (`scan --shard K/N`) and some are not: merge the shards of one scan")
    missing = missing_shards(shards)
    if missing:
        message = f"merging an incomplete scan: {missing}"
        if strict:
            raise FileError(f"{message} (merge --strict)")
        log.warning("%s", message)
    findings.sort(key=lambda finding: finding.sort_key)
    return findings, files, facts


def _shard(value: object) -> tuple[int, int]:
    """``"K/N"`` as ``(K, N)``; ``ValueError`` unless 1 <= K <= N."""
    index, _, count = str(value).partition("/")
    shard = (int(index), int(count))
    if not 1 <= shard[0] <= shard[1]:
        raise ValueError(f"shard {value!r} is not K/N with 1 <= K <= N")
    return shard


def missing_shards(shards: list[tuple[int, int]]) -> str:
    """What is missing of the matrix the shard reports belong to (``""`` when nothing is)."""
    counts = sorted({count for _, count in shards})
    if len(counts) > 1:
        return f"the reports are shards of different matrices ({', '.join(f'of {count}' for count in counts)})"
    if not counts:
        return ""
    absent = [f"{index}/{counts[0]}" for index in range(1, counts[0] + 1) if (index, counts[0]) not in shards]
    if not absent:
        return ""
    plural = len(absent) > 1
    return f"shard{'s' if plural else ''} {', '.join(absent)} {'are' if plural else 'is'} missing, and the findings of {'their' if plural else 'its'} files with {'them' if plural else 'it'}"


def with_severities(findings: list[Finding], settings: Settings) -> list[Finding]:
    """The findings at the severities ``settings`` gives their rules: the gate is the config's,
    whatever severity a report says. A rule the config does not know keeps the report's."""
    specs = settings.specs
    return [replace(finding, severity=specs[finding.rule].severity) if finding.rule in specs else finding for finding in findings]
