"""``--fix``: apply the findings' edits to the files, verified by re-parsing with LibCST."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

from reviewbot.lazy import libcst as cst

from reviewbot.files import write_atomic
from reviewbot.model import Edit, Finding
from reviewbot.source import LINE_BREAK, decode


def apply_edits(text: str, edits: list[Edit], skipped: list[Edit] | None = None) -> str:
    """``text`` with the edits applied; an edit overlapping one already applied is skipped
    (and added to ``skipped``): the next ``--fix`` run will find it again.

    Positions are 1-based lines and code-point columns, as findings report them.
    """
    starts = [0] + [match.end() for match in LINE_BREAK.finditer(text)]

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    result = text
    barrier = len(text) + 1
    for edit in sorted(edits, key=lambda e: (e.line, e.column, e.end_line, e.end_column), reverse=True):
        start, end = offset(edit.line, edit.column), offset(edit.end_line, edit.end_column)
        if end > barrier:
            if skipped is not None:
                skipped.append(edit)
            continue
        result = result[:start] + edit.replacement + result[end:]
        barrier = start
    return result


def fix_all(root: Path, findings: list[Finding], max_bytes: int) -> tuple[int, list[str]]:
    """Apply every fixable finding's fix in its file.

    Returns how many findings were fixed, and the files left alone because the fixed text would
    not have parsed (the caller says so: a fix must never fail silently).
    """
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.fix is not None:
            by_path.setdefault(finding.path, []).append(finding)
    fixed = 0
    refused = []
    for path, fixable in sorted(by_path.items()):
        count = fix_file(root / path, fixable, max_bytes, root)
        if count == 0:
            refused.append(path)
        fixed += count
    return fixed, refused


def fix_file(path: Path, findings: list[Finding], max_bytes: int, root: Path) -> int:
    """Apply the fixes of ``findings`` (all in ``path``) and return how many were applied.

    The file is left untouched when the fixed text would not parse.
    """
    edits = [edit for finding in findings if finding.fix is not None for edit in finding.fix.edits]
    if not edits:
        return 0
    data = path.read_bytes()
    text = decode(data, max_bytes)
    skipped: list[Edit] = []
    fixed = apply_edits(text, edits, skipped)
    try:
        cst.parse_module(fixed)
    except cst.ParserSyntaxError:
        return 0
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    # The file's own encoding and line endings; no directory on the way to it followed if a link.
    write_atomic(path, fixed.encode(encoding), root)
    return sum(1 for f in findings if f.fix is not None and not any(edit in skipped for edit in f.fix.edits))
