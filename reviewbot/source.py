"""Reading a file as Python source: decoding per PEP 263, and finding where a syntax error is.

Problems here become findings (RB001 for bytes that are no text, RB000 for text that is no
Python), never exceptions that stop a scan. CPython's compiler is asked for a syntax tree only:
nothing is ever executed.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings

from reviewbot.lazy import libcst as cst

from reviewbot import memory

# Python's line breaks; ``str.splitlines`` would also split on form feeds and other characters.
LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Brackets, for the nesting screen that protects the native parser (see ``too_deep_to_parse``).
BRACKET = re.compile(r"[][(){}]")
# Python's recursion limit when nothing changed it.
DEFAULT_RECURSION_LIMIT = 1000
# CPython's own limit on nested brackets.
MAX_BRACKET_DEPTH = 200
# A bracketed expression or line longer than this is shown to CPython before LibCST parses it.
MAX_EXPRESSION_CHARS = 10_000


class Unreadable(Exception):
    """The bytes are not reviewable Python source; ``line`` says where the problem is."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def split_lines(text: str) -> list[str]:
    """The physical lines of ``text`` without their line breaks (line N is index N - 1)."""
    return LINE_BREAK.split(text)


def decode(data: bytes, max_bytes: int) -> str:
    """Bytes to text per PEP 263 (cookie, BOM, else UTF-8); raise ``Unreadable`` if impossible."""
    # Checked before decoding: a huge or binary file costs nothing more.
    if len(data) > max_bytes:
        raise Unreadable(f"file is {len(data)} bytes, over max-file-bytes ({max_bytes})")
    nul = data.find(b"\0")
    if nul >= 0:
        raise Unreadable(f"file contains a NUL byte at offset {nul}", data.count(b"\n", 0, nul) + 1)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise Unreadable(f"bad encoding declaration: {error.msg}") from None
    try:
        # ``detect_encoding`` says ``utf-8-sig`` when there is a BOM, which decoding then drops.
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise Unreadable(f"not valid {encoding}: byte {data[error.start]:#04x} at offset {error.start}", line) from None


def cpython_syntax_error(text: str) -> tuple[int, int, str] | None:
    """Line, 0-based column and message of CPython's objection to ``text``, if it has one.

    The compiler is asked for a syntax tree only: nothing is executed. Its warnings (invalid
    escape sequences and the like) are silenced; they are not reviewbot's findings. It runs with
    Python's default recursion limit, which is what decides how deep a program Python accepts
    (the command line raises the limit for walking deep trees).
    """
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(DEFAULT_RECURSION_LIMIT)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<scanned>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        return error.lineno or 1, max((error.offset or 1) - 1, 0), error.msg
    except (RecursionError, MemoryError) as error:
        # Memory running out is the scan's to report (RB002, ``max-memory``), not the file's.
        if isinstance(error, MemoryError) and memory.exhausted():
            raise
        return 1, 0, "the file is nested too deeply for Python to compile"
    except ValueError:
        return None
    finally:
        sys.setrecursionlimit(limit)
    return None


def syntax_error_position(error: cst.ParserSyntaxError, text: str) -> tuple[int, int, str]:
    """Line, 0-based column and message of a parse error.

    LibCST reports tokenizer errors (an unterminated string, say) at 1:0 and parser errors at the
    token after the real mistake; CPython's compiler names the place and the cause better, so its
    answer wins when it has one.
    """
    cpython = cpython_syntax_error(text)
    if cpython is not None:
        return cpython
    message = error.message.strip().splitlines()[0] if error.message.strip() else "invalid syntax"
    return error.raw_line, error.raw_column, message


def too_deep_to_parse(text: str) -> bool:
    """Whether ``text`` may be nested deeply enough to crash LibCST's native parser.

    LibCST's parser overflows the C stack (the whole process dies) at about 1,500 nested brackets
    or an expression of about 8,000 terms; CPython refuses far less (200 brackets, about 3,000
    terms). This cheap screen looks for more than 200 open brackets or one bracketed expression
    or line over 10,000 characters (a 5,000-term ``1+1+...``); such files are first shown to CPython, and parsed with
    LibCST only if CPython accepts them.
    """
    depth = 0
    opened = 0
    for match in BRACKET.finditer(text):
        if match[0] in "([{":
            if depth == 0:
                opened = match.start()
            depth += 1
            if depth > MAX_BRACKET_DEPTH:
                return True
        elif depth:
            depth -= 1
            if depth == 0 and match.start() - opened > MAX_EXPRESSION_CHARS:
                return True
    long_line = max((len(line) for line in LINE_BREAK.split(text)), default=0) > MAX_EXPRESSION_CHARS
    return long_line or (depth > 0 and len(text) - opened > MAX_EXPRESSION_CHARS)


# A tool's mark in a comment of a file's first lines: ``# Generated by Django 5.2``, ``# Generated by the protocol
# buffer compiler.  DO NOT EDIT!``, ``@generated``, "auto-generated", "automatically generated".
GENERATED = re.compile(r"@generated\b|\bgenerated by\b|\bauto-?generated\b|\bautomatically generated\b|\bdo not edit\b", re.IGNORECASE)
# How many first lines may carry the mark.
GENERATED_LINES = 5


def is_generated(text: str) -> bool:
    """Whether a tool says, in a comment of the file's first lines, that it wrote the file (a
    docstring asking people not to edit something is no tool's mark)."""
    comments = [line for line in LINE_BREAK.split(text[:4000], maxsplit=GENERATED_LINES)[:GENERATED_LINES] if line.lstrip().startswith("#")]
    return any(GENERATED.search(line) for line in comments)
