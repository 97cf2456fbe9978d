"""``reviewbot agents --suggest``: draft ``checks:`` entries for the prohibitions of the agent files
that name code, so that a team can turn "Never call `session.commit()`" into a deterministic check.

A draft is a proposal to read, correct and paste into the config, never applied by itself: the
words of a statement say what is forbidden, rarely exactly where. Each code span of a prohibition
that no rule enforces gives at most one entry:
    - an import (``import x``, ``from x import y``) or a dotted module named with "import" or
      "module" nearby: ``forbid-import``;
    - a call (``session.commit()``, ``.objects.raw()``): ``forbid-call``, with a receiver pattern
      (``*.session.commit``) when the call has one;
    - a comparison (``UserOrganization.user_id == ...``): ``forbid-expression`` with ``_`` for what
      the statement leaves open;
and a statement that says where something belongs ("only in `repository.py`") makes the entry an
``only-in`` with that place as its allowed glob.
"""

from __future__ import annotations

import json
import re

from reviewbot.agents import CUE, NEGATOR, Coverage, about_other_code, asked, clause_before, too_long
from reviewbot.agents import outside_code as _outside
from reviewbot.escape import printable

# A code span of a statement.
SPAN = re.compile(r"`([^`]+)`")
# ``import x.y`` / ``from x.y import z``.
IMPORT_SPAN = re.compile(r"^(?:from\s+([\w.]+)\s+import\b.*|import\s+([\w.]+).*)$")
# ``a.b.c(...)`` or ``c()``: a call, and its dotted callee.
CALL_SPAN = re.compile(r"^([A-Za-z_][\w.]*)\s*\(.*\)$")
# A comparison with a dotted left side: ``Model.field == value``.
COMPARISON = re.compile(r"^([A-Za-z_][\w.]*)\s*(==|!=|\bin\b|\bis\b)\s*(.+)$")
# Where a statement says something belongs: "only in", "must be in", "belong in".
ONLY_IN = re.compile(r"\b(?:only|must (?:be|live|stay)|belongs?|live) (?:in|inside|within|under)\b", re.IGNORECASE)
# A code span that names a place (a file or directory), for ``only-in``.
PLACE = re.compile(r"^[\w*./-]+(?:\.py|/)$")
# What may stand between a negation and the code it forbids: "Never use `a`, `b` or raw `c`".
DIRECT = re.compile(r"(?:\s|,|\b(?:use|using|call|calling|import|importing|add|adding|write|writing|rely on|introduce|reintroduce|inline|inlining|hard-?code|hard-?coding|raw|direct|directly|the|a|an|any|or|and|nor)\b)*", re.IGNORECASE)
# A dotted name: ``pytest.mark.skip``, ``prefect_client``.
NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def suggestions(covered: list[Coverage]) -> str:
    """The draft entries, as a YAML ``checks:`` list with the statement above each, or a line
    saying there is nothing to draft."""
    entries = [
        entry
        for c in covered
        if c.statement.kind in ("prohibition", "requirement") and not c.rules and not about_other_code(c.statement) and not too_long(c.statement.text)
        for entry in _drafts(c)
    ]
    if not entries:
        return "# reviewbot: no prohibition of the agent files names code that a check could look for\n"
    lines = ["# Draft checks for the prohibitions that name code: review each, then paste into .reviewbot.yml (docs/checks.md).", "checks:"]
    ids: set[str] = set()
    for c, entry in entries:
        entry_id = str(entry.pop("id"))
        base, number = entry_id, 2
        while entry_id in ids:
            entry_id, number = f"{base}-{number}", number + 1
        ids.add(entry_id)
        s = c.statement
        lines.append(f"  # {printable(s.path)}:{s.line}: {printable(_one_line(s.text)[:200])}")
        lines.append(f"  - id: {entry_id}")
        for key in ("kind", "calls", "modules", "pattern", "allowed"):
            if key in entry:
                lines.append(f"    {key}: {json.dumps(entry[key], ensure_ascii=False)}")
        lines.append(f"    message: {json.dumps(_one_line(s.text)[:200], ensure_ascii=False)}")
        lines.append(f"    enforces: {json.dumps(f'{s.path}:{s.line}')}")
        lines.append("    examples:")
        lines.append(f"      bad: {json.dumps(entry['bad'], ensure_ascii=False)}")
        lines.append("      good: []")
    return "\n".join(lines) + "\n"


def _drafts(c: Coverage) -> list[tuple[Coverage, dict[str, object]]]:
    """The entries one statement gives: an ``only-in`` when it says where code belongs, else one
    per code span it asks against (an import, a call, a dotted name, a comparison)."""
    statement = c.statement
    text = statement.text
    spans = [(match.start(), match[1].strip()) for match in SPAN.finditer(text)]
    places = [span for _, span in spans if PLACE.match(span)]
    found: list[tuple[Coverage, dict[str, object]]] = []
    seen: set[str] = set()
    if ONLY_IN.search(text) and places:
        calls = [callee for _, span in spans if (callee := _callee(span))]
        modules = [module for _, span in spans if (module := _module(span))]
        if calls or modules:
            entry: dict[str, object] = {"id": f"{_slug((calls or modules)[0])}-only-in-place", "kind": "only-in", "allowed": [_glob(p) for p in places]}
            if calls:
                entry["calls"] = calls
            if modules:
                entry["modules"] = modules
            entry["bad"] = [f"{callee}()" for callee in calls] + [f"import {module}" for module in modules]
            return [(c, entry)]
    for start, span in spans:
        if span in seen or PLACE.match(span) or not _forbidden(text, start, statement.inherited and not _own_cue(text, start)):
            continue
        seen.add(span)
        module, callee, comparison = _module(span), _callee(span), COMPARISON.match(span)
        if module:
            found.append((c, {"id": f"no-{_slug(module)}-import", "kind": "forbid-import", "modules": [module], "bad": [span]}))
        elif callee:
            calls = [callee, f"*.{callee}"] if "." in callee else [callee]
            found.append((c, {"id": f"no-{_slug(callee)}", "kind": "forbid-call", "calls": calls, "bad": [f"{callee}()"]}))
        elif comparison and "." in comparison[1]:
            left, operator = comparison[1], comparison[2]
            found.append((c, {"id": f"no-inline-{_slug(left)}", "kind": "forbid-expression", "pattern": f"{left} {operator} _", "bad": [f"{left} {operator} value"]}))
        elif NAME.fullmatch(span.lstrip("@")):
            name = span.lstrip("@")
            found.append((c, {"id": f"no-{_slug(name)}", "kind": "forbid-expression", "pattern": name, "bad": [name]}))
    return found


def _forbidden(text: str, start: int, inherited: bool) -> bool:
    """Whether the statement forbids the code at ``start`` outright: negated, and nothing but
    "use", "call", "import" and other code between the negation and it ("Never use `a`, `b`")."""
    if asked(text, start, inherited):
        return False
    clause = clause_before(_outside(text), start)
    negations = list(NEGATOR.finditer(clause))
    between = clause[negations[-1].end() :] if negations else clause
    return DIRECT.fullmatch(between) is not None


def _own_cue(text: str, start: int) -> bool:
    """Whether the clause holding ``start`` has a cue of its own (then a heading's polarity does not apply)."""
    return CUE.search(clause_before(_outside(text), start)) is not None


def _module(span: str) -> str | None:
    """The module an import span names: ``import x.y`` -> ``x.y``; ``from x import y`` -> ``x``."""
    imported = IMPORT_SPAN.match(span)
    return (imported[1] or imported[2]) if imported else None


def _callee(span: str) -> str | None:
    """The dotted callee of a call span: ``session.commit()`` -> ``session.commit``."""
    call = CALL_SPAN.match(span)
    return call[1].lstrip(".") if call else None


def _glob(place: str) -> str:
    """The glob of a place a statement names: ``repository.py`` -> ``**/repository.py``,
    ``app/repositories/`` -> ``app/repositories/**``."""
    anywhere = "" if "/" in place.rstrip("/") or place.startswith("*") else "**/"
    return f"{anywhere}{place}**" if place.endswith("/") else f"{anywhere}{place}"


def _slug(text: str) -> str:
    """A kebab-case id part from code: ``session.commit`` -> ``session-commit``."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1-\2", text).lower())
    return "-".join(words[-3:]) or "code"


def _one_line(text: str) -> str:
    return " ".join(text.split())
