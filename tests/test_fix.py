"""--fix writes exactly the reported edits, keeps encodings and line endings, never breaks a file."""

from __future__ import annotations

from reviewbot.fix import apply_edits, fix_file
from reviewbot.model import Edit
from tests.conftest import scan


def _fix(tmp_path, data: bytes, path: str = "app/service.py") -> bytes:
    findings = [f for f in scan(data, path) if f.fix is not None]
    target = tmp_path / "file.py"
    target.write_bytes(data)
    fix_file(target, findings, 2**21, tmp_path)
    return target.read_bytes()


def test_crlf_line_endings_are_kept(tmp_path):
    fixed = _fix(tmp_path, b"from .models import A\r\n\r\ndef f(a: int):\r\n    pass\r\n")
    assert fixed == b"from app.models import A\r\n\r\ndef f(a: int) -> None:\r\n    pass\r\n"


def test_the_file_encoding_is_kept(tmp_path):
    source = '# -*- coding: latin-1 -*-\nfrom .caf\xe9 import x  # caf\xe9\n'.encode("latin-1")
    assert _fix(tmp_path, source) == '# -*- coding: latin-1 -*-\nfrom app.caf\xe9 import x  # caf\xe9\n'.encode("latin-1")


def test_several_fixes_on_one_line_and_nested_functions(tmp_path):
    source = b"def outer():\n    def inner(): from . import x\n    inner()\n"
    assert _fix(tmp_path, source) == b"def outer() -> None:\n    def inner() -> None: from app import x\n    inner()\n"


def test_edits_are_applied_from_the_end_and_overlaps_skipped():
    text = "abc\ndef\n"
    edits = [Edit(1, 1, 1, 2, "X"), Edit(2, 2, 2, 4, "YY"), Edit(1, 1, 1, 3, "Z")]
    skipped: list[Edit] = []
    assert apply_edits(text, edits, skipped) == "Zc\ndYY\n"
    assert skipped == [Edit(1, 1, 1, 2, "X")]


def test_a_fix_that_would_not_parse_is_not_written(tmp_path):
    target = tmp_path / "file.py"
    target.write_text("x = 1\n")
    [finding] = [f for f in scan("from . import y\n") if f.rule == "RB101"]
    # The edit aims at the wrong file: applying it here would break the syntax.
    assert fix_file(target, [finding], 2**21, tmp_path) == 0
    assert target.read_text() == "x = 1\n"


STUBS = b'''\
from typing import Protocol


class Store(Protocol):
    def load(self, key: str):
        """The value stored under key."""


class Base:
    def price(self):
        """What the item costs; subclasses say how."""
        raise NotImplementedError

    def tax(self):
        raise NotImplementedError("subclasses")

    def hook(self):
        pass

    def body(self):
        ...


def helper():
    pass
'''


def test_stubs_get_no_none_fix_but_are_still_reported(tmp_path):
    findings = [f for f in scan(STUBS) if f.rule == "RB302"]
    assert [(f.line, f.fix is None) for f in findings] == [(5, True), (10, True), (14, True), (17, True), (20, True), (24, False)]
    assert all(f.message.endswith(": add the return type") for f in findings if f.fix is None)
    # Only the module-level ``helper`` (``pass`` outside a class does nothing, certainly) is fixed.
    fixed = _fix(tmp_path, STUBS)
    assert fixed == STUBS.replace(b"def helper():", b"def helper() -> None:")
    assert _fix(tmp_path, fixed) == fixed
