"""Agent instruction files read as an engineer reads them: statements, what kind each is, and the
rules that enforce it.

Coding agents are told their rules in Markdown: Claude Code subagents (``.claude/agents/*.md``,
YAML front matter and Markdown), ``CLAUDE.md`` (which may import other files with ``@path``),
``AGENTS.md`` (at any depth, and ``.github/AGENTS.md``), ``.github/copilot-instructions.md`` and
``.github/instructions/*.instructions.md``, and Cursor rules (``.cursor/rules/*.mdc``).

A file is parsed with a CommonMark parser (markdown-it-py). A **statement** is a list item (its
wrapped lines included; its nested items explain it, unless it is only a label such as
``**Testing**:``, whose items are statements of their own) or a paragraph that states a rule (led
by bold text, or holding a cue of its own such as MUST, NEVER, Always, Do not). Code spans stay
verbatim; a fenced block right under a statement is its example; headings are its topic.

A statement's **kind** comes from its own words (``classify``): a prohibition ("Never", "Do not",
"Avoid", "No ..."), a requirement ("Must", "Always", an imperative verb), a preference ("Prefer",
"Should") or information (descriptions, commands, environment variables, links). Only a label or
heading that is itself a prohibition ("Don'ts", "Prohibited", "**Never:**") gives its polarity to
items that carry none of their own; topics such as "Testing" never decide a kind.

A statement maps to a rule by the phrases of the packs' ``recognise`` tables (``map_statement``),
each with the words that matched and their sense: a phrase the rule wants ("absolute imports") or
forbids ("relative imports"), negated or not by the words before it ("no", "never", "without",
"instead of") and by restrictions ("unless necessary", "minimal"). A statement that asks for the
opposite of what a rule enforces is a conflict, never a mapping.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from reviewbot.errors import ConfigError, ReviewbotError
from reviewbot.files import SKIPPED_DIRECTORIES, read_text_file
from reviewbot.globs import Globs
from reviewbot.model import Source

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

    from reviewbot.packs import Pack

# Agent files found by ``discover``: names at any depth, and patterns from the repository root.
NAMES = ("CLAUDE.md", "AGENTS.md")
PATTERNS = (
    ".claude/agents/*.md",
    ".github/AGENTS.md",
    ".github/copilot-instructions.md",
    ".github/instructions/*.instructions.md",
    ".cursor/rules/*.mdc",
)
# The largest agent file read.
MAX_AGENT_BYTES = 1 << 20
# How deep ``@path`` imports and links are followed (Claude Code stops at five).
MAX_IMPORT_DEPTH = 5
# ``@docs/style.md`` in a CLAUDE.md: another file whose text counts as if written there.
IMPORT = re.compile(r"(?:^|\s)@((?:\.{0,2}/)?[\w.-]+(?:/[\w.-]+)*\.md)\b")
# The kinds of statement, as ``reviewbot agents`` shows them.
KINDS = ("requirement", "prohibition", "preference", "information")

# Words that make a statement a prohibition, a requirement or a preference wherever they stand in
# it; the first one in the text decides. An imperative verb at the start makes a requirement too.
_CUES = {
    "prohibition": r"never|do not|don'?t|must not|mustn'?t|should not|shouldn'?t|shall not|cannot|can'?t|may not|avoid|"
    r"forbidden|prohibited|not allowed|disallowed|refrain from|under no circumstances|no longer use",
    "requirement": r"must|always|shall|required|needs? (?:to|an?)|have to|has to|ensure|make sure|mandatory|"
    r"(?:go|goes|belongs?) (?:through|in|into)|on (?:all|every|each)\b|only (?:in|inside|within|under)\b|only (?:where|when|if) (?:strictly |absolutely |really )?(?:necessary|needed)|sparingly",
    "preference": r"prefer(?:red|ably|s)?|should|favou?r|recommended|ideally|try to|where possible|when possible|consider|encouraged|"
    r"(?:is|are) (?:fine|ok|okay|acceptable|allowed|permitted)",
}
CUE = re.compile("|".join(rf"(?P<{kind}>\b(?:{words})\b)" for kind, words in _CUES.items()), re.IGNORECASE)
# "No print statements", "Not in service code": a prohibition by its first word.
NO = re.compile(r"^(?:no|not|zero)\b(?!\s+(?:more|longer|need|one)\b)", re.IGNORECASE)
# Verbs that open an instruction ("Use ...", "Keep ..."): a requirement.
IMPERATIVE = frozenset(
    "add analyse analyze annotate apply assert assess await batch build cache call catch check choose close "
    "comment commit configure convert create declare define delete depend describe design develop document "
    "drop emit enable encrypt escape explain export expose extract filter fix follow format generate group "
    "guard handle hash identify implement import include index inherit inject integrate keep leverage limit "
    "lock log maintain make map mark measure migrate mock move name normalize optimize organize paginate "
    "parse pass patch pin place prefix protect put raise refactor register release rely remove rename "
    "replace restrict return reuse review sanitize scope separate serialize set sort split specify stay "
    "stick store structure stub test track transform treat update upgrade use validate verify wrap write "
    "adjust avoid confirm converge do prefer recompile reduce regenerate sign collapse preserve "
    "inspect fire strip push extend link reference provide co-locate disclose match leave fork respect bump".split()
)
# Verbs that open a how-to rather than a rule ("Run `make test` to test"): information, unless
# another cue ("always run ...") makes it more.
HOW_TO = frozenset("run see read refer visit install open navigate start execute browse".split())
# A task-list item: ``[ ] Tests are included``.
CHECKBOX = re.compile(r"^\[[ xX]\]\s+")
# When a how-to becomes a rule: "Run the tests before pushing".
WHEN = re.compile(r"\b(?:before|after|prior to|whenever)\b", re.IGNORECASE)
# A short label or condition and what follows it: "Unit tests: add or update tests in ...",
# "Command examples — confirm they still match", "If both exist, converge to one path".
LABEL = re.compile(r"^(?:[^:—–]{1,40}(?::|\s[—–-])|(?:if|when|before|after|for)\b[^,`]{1,60},)\s+(.+)$", re.IGNORECASE)
# A code convention under its topic: "Docstrings: Google-style", "Naming: `snake_case.py`".
CONVENTION = re.compile(r"^(docstrings?|type (?:hints?|annotations?)|typing|naming|imports?|comments?|error handling|exceptions?|logging):\s", re.IGNORECASE)
# "All PRs require test coverage": a requirement by its quantifier.
QUANTIFIED = re.compile(r"^(?:all|every|each)\b[^.;]{0,60}\b(requires?)\b", re.IGNORECASE)
# Cues that forbid only where a sentence or clause starts, or after "you": "Do not use signals"
# forbids, "Tests do not require Docker" describes.
CLAUSE_CUES = re.compile(r"do not|don'?t|cannot|can'?t|may not", re.IGNORECASE)
CLAUSE_START = re.compile(r"(?:^|[.;:!?—–(]\s*|,\s*|\s-\s*|\b(?:and|but|or|please|so|you|we)\s+)$", re.IGNORECASE)
# Labels and headings whose own words are a prohibition: their items inherit it.
PROHIBITING = re.compile(r"\b(?:prohibit\w*|forbid\w*|don'?ts?|do not|never|avoid|must not|anti-?patterns?|not allowed)\b", re.IGNORECASE)
# Words that turn what follows them (within a few words, in the same clause) into its opposite.
NEGATOR = re.compile(
    r"\b(?:no|not|never|avoid(?:ing)?|without|instead of|rather than|don'?t|do not|must not|mustn'?t|should not|shouldn'?t|"
    r"cannot|can'?t|minimal|minimi[sz]e|lengthy|excessive|unnecessary|redundant|refrain from|skip(?:ping)?|omit(?:ting)?|"
    r"bypass(?:ing)?|ignor(?:e|ing)|disable|disabling|forbid\w*|prohibit\w*|ban|banned|nor)\b",
    re.IGNORECASE,
)
# Restrictions that make a statement ask for less of what it names ("comments only where necessary").
RESTRICTION = re.compile(
    r"\bunless (?:strictly |absolutely |really )?(?:necessary|needed|required)|\bonly (?:where|when|if) (?:strictly |absolutely |really )?"
    r"(?:necessary|needed|required|non-obvious)|\bsparingly\b|\bself-(?:explanatory|documenting)\b",
    re.IGNORECASE,
)
# Words that ask for or allow what a clause names: a forbidden thing named with none of them
# ("`ThreadPoolTaskRunner` is cloudpickled") is mentioned, not asked for.
PERMISSION = re.compile(
    r"\b(?:use|using|prefer\w*|allow\w*|fine|ok|okay|acceptable|permitted|encouraged|recommended|may|can|should|must|always|need\w*)\b",
    re.IGNORECASE,
)
# Where a clause ends: a negation never reaches past it.
CLAUSE = re.compile(r"[;.!?:](?:\s|$)|\s[—–-]\s|\bbut\b|\binstead\b(?! of)|\botherwise\b", re.IGNORECASE)
# A statement longer than this explains more than it asks ("MCP tool-load degradation — ... never
# raises ... fall through to `logger.exception`"): none of its words maps to a rule.
MAX_MAPPED_WORDS = 60
# The characters of a statement its kind is read from: the first cue is what counts.
MAX_CLASSIFIED_CHARS = 1000
# How many words may stand between a negation and the phrase it negates.
NEGATION_REACH = 6
# Topics of code that is not Python: a statement under such a heading, in such a directory's agent
# file, or naming such code maps to no rule (reviewbot reads Python).
OTHER_CODE = re.compile(
    r"(?<![\w'])(?:type ?script|java ?script|jsx?|tsx?|react|vue|angular|svelte|next\.js|node(?:\.js)?|npm|pnpm|yarn|golang|go code|"
    r"rust|java|kotlin|swift|c#|c\+\+|ruby|php|css|html|front-?end|web ?ui|ui components?)(?![\w#+])",
    re.IGNORECASE,
)
OTHER_DIRECTORIES = frozenset({"web", "frontend", "front-end", "ui", "webapp", "www", "go", "js", "ts"})
# The reason given for a requirement or prohibition no pack knows anything of.
NO_RULE = "no rule of the packs checks this sentence"


@dataclass(frozen=True)
class Statement:
    """One statement of an agent file: where it is, what it says, and what kind it is."""

    path: str
    line: int
    text: str
    # One of ``KINDS``, and the words that decided it (``"Never"``; ``heading "Don'ts"``).
    kind: str
    cue: str
    # The headings and labels above it, outermost first: its topic.
    section: str
    end_line: int = 0
    # Nested items and further paragraphs that explain it.
    details: tuple[str, ...] = ()
    # A fenced block right under it.
    example: str | None = None
    # Whether its kind came from a label or heading rather than its own words.
    inherited: bool = False


@dataclass(frozen=True)
class Coverage:
    """A statement and what the packs make of it: the rules that enforce it (with the words that
    matched), the rules it asks the opposite of, or why no rule can check it."""

    statement: Statement
    rules: tuple[str, ...]
    reason: str | None
    # The words that matched, by rule (of ``rules`` and of ``against``).
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)
    against: tuple[str, ...] = ()
    # Of ``against``, the rules it opposes only in general words ("no comments" for RB401).
    loose: frozenset[str] = frozenset()
    # Whether ``reason`` excuses it from ``agents --check``: no code check could enforce it.
    explained: bool = False


def discover(root: Path, exclude: Globs | None = None) -> list[str]:
    """Repository-relative paths of the agent files under ``root``, sorted; none that the config's
    ``exclude`` globs name (a corpus of other projects' agent files kept as test data, say).

    A link (``CLAUDE.md -> AGENTS.md``) is read as the file it points to when that file is inside
    the repository, under the target's name; a link leaving the repository is never read.
    """
    candidates = {path for pattern in PATTERNS for path in root.glob(pattern)}
    for name in NAMES:
        for path in root.rglob(name):
            # Not in hidden, vendored or environment directories (as a scan without git skips them).
            parts = path.relative_to(root).parts[:-1]
            if not any(part.startswith(".") and part != ".github" or part in SKIPPED_DIRECTORIES for part in parts):
                candidates.add(path)
    real = root.resolve()
    found = set()
    for path in candidates:
        target = path.resolve() if path.is_symlink() else path
        if target.is_file() and target.resolve().is_relative_to(real):
            found.add(target.resolve().relative_to(real).as_posix() if path.is_symlink() else path.relative_to(root).as_posix())
    return sorted(name for name in found if exclude is None or not exclude.match(name))


def read_statements(root: Path, name: str, chain: tuple[str, ...] = (), seen: set[str] | None = None) -> list[Statement]:
    """The statements of one agent file (``name`` relative to ``root``), and of the files it
    imports (``@docs/style.md``) or links to inside the repository, each file read once: none in
    ``seen`` (read already, or an agent file read under its own name and scope).

    ``chain`` holds the files importing this one: none is read deeper than ``MAX_IMPORT_DEPTH``.
    A file brought in that cannot be read (not UTF-8, too large) is left out with a warning;
    only the agent file itself is an error.
    """
    seen = set() if seen is None else seen
    seen.add(name)
    path = root / name
    try:
        text = read_text_file(path, MAX_AGENT_BYTES, name, "agent file")
    except ReviewbotError as error:
        if not chain:
            raise
        log.warning("%s (brought in by %s): not read: %s", name, chain[-1], error)
        return []
    statements: list[Statement] = []
    for found, targets in _parse(name, text):
        statements += found
        if len(chain) >= MAX_IMPORT_DEPTH:
            continue
        for target in targets:
            resolved = (path.parent / target).resolve()
            if resolved.is_file() and resolved.is_relative_to(root.resolve()) and resolved.suffix in (".md", ".mdc"):
                relative = resolved.relative_to(root.resolve()).as_posix()
                if relative not in seen:
                    statements += read_statements(root, relative, (*chain, name), seen)
    return statements


def read_all(root: Path, names: list[str]) -> list[tuple[str, list[Statement]]]:
    """Each file of ``names`` with its statements. Each is read under its own name and scope,
    also when another one imports or links it (then only there it is not read again); a file
    only brought in is read where it is brought in."""
    result = []
    for name in sorted(names):
        result.append((name, read_statements(root, name, (), {*names})))
    return result


def statement_at(text: str, path: str, line: int) -> str | None:
    """The text of the statement of agent file ``path`` (whose text is ``text``) that covers
    ``line`` (a ``checks:`` entry's ``enforces``), or ``None`` when no statement does."""
    found = [statement for group, _ in _parse(path, text) for statement in group]
    return next((s.text for s in found if s.line <= line <= max(s.end_line, s.line)), None)


def line_count(text: str) -> int:
    """How many lines a file has, as git numbers them (a final line feed ends the last line)."""
    lines = _lines(text)
    return len(lines) - (lines[-1] == "")


def _parse(name: str, text: str) -> list[tuple[list[Statement], list[str]]]:
    """The statements of a file's text, in order, grouped with the files each group imports."""
    from markdown_it.tree import SyntaxTreeNode

    lines = _lines(text)
    start = _after_front_matter(lines)
    tree = SyntaxTreeNode(_markdown().parse("\n".join(lines[start:])))
    reader = _Reader(name, start)
    reader.blocks(tree.children, {}, None)
    return reader.groups


@cache
def _markdown() -> MarkdownIt:
    """One CommonMark parser, made when first needed (tables on: they are read as nothing)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


class _Reader:
    """Walks a Markdown tree and collects statements, with the headings and labels above them."""

    def __init__(self, name: str, offset: int) -> None:
        self.name = name
        self.offset = offset
        self.groups: list[tuple[list[Statement], list[str]]] = []
        self.last: Statement | None = None

    def add(self, statement: Statement, targets: list[str]) -> None:
        self.groups.append(([statement], targets))
        self.last = statement

    def blocks(self, nodes: list[SyntaxTreeNode], headings: dict[int, str], label: str | None) -> None:
        """Read a sequence of blocks under ``headings``; ``label`` is a lead-in above them."""
        lead: str | None = label
        for node in nodes:
            if node.type == "heading":
                level = int(node.tag[1])
                headings = {key: value for key, value in headings.items() if key < level}
                headings[level] = _inline(node.children[0])
                lead, self.last = label, None
            elif node.type == "paragraph":
                inline = node.children[0]
                text = _inline(inline)
                imports = _imports(inline)
                if _is_label(inline, text):
                    # ``**API Development**`` on its own line: a heading below ``######``.
                    headings = {key: value for key, value in headings.items() if key < 7}
                    headings[7] = text.rstrip(":").strip()
                    lead, self.last = label, None
                    if imports:
                        self.groups.append(([], imports))
                elif text.endswith(":") and node.next_sibling is not None and node.next_sibling.type in ("bullet_list", "ordered_list"):
                    # "Never do the following:" introduces the list below it; "Plugins ARE NOT
                    # ALLOWED TO DEPEND ON DJANGO. They may depend on these files only:" is a
                    # statement of its own too.
                    # The sentence that introduces the list speaks for its items.
                    lead = re.split(r"(?<=[.!?])\s+", text.rstrip(":"))[-1]
                    own = self.statement(node, text, headings, None, bold=_bold_led(inline)) if "." in text.rstrip(":") else None
                    if own is not None:
                        self.add(own, imports)
                    else:
                        self.groups.append(([], imports))
                else:
                    statement = self.statement(node, text, headings, lead, bold=_bold_led(inline))
                    if statement is not None:
                        self.add(statement, imports)
                    elif imports:
                        self.groups.append(([], imports))
                        self.last = None
                    else:
                        self.last = None
            elif node.type in ("bullet_list", "ordered_list"):
                for item in node.children:
                    self.item(item, headings, lead)
                # A fenced block right after a list is the example of its last item.
                lead = label
            elif node.type in ("fence", "code_block"):
                # A fenced block right under a statement is its example; elsewhere, nothing.
                if self.last is not None and self.groups and self.groups[-1][0] == [self.last]:
                    self.groups[-1] = ([replace(self.last, example=node.content)], self.groups[-1][1])
                self.last = None
            elif node.type == "blockquote":
                self.blocks(node.children, headings, lead)
            else:
                self.last = None

    def item(self, item: SyntaxTreeNode, headings: dict[int, str], lead: str | None) -> None:
        """One list item: a statement with its explanations, or a label over statements."""
        children = item.children
        first = children[0] if children and children[0].type == "paragraph" else None
        inline = first.children[0] if first is not None else None
        text = _inline(inline) if inline is not None else ""
        imports = _imports(inline) if inline is not None else []
        nested = [child for child in children if child.type in ("bullet_list", "ordered_list")]
        if nested and (not text or _is_label(inline, text) or text.endswith(":")):
            # ``- **Testing**:`` over a list: the label is a topic, its items the statements.
            label = text.rstrip(":").strip()
            inner = {**headings, 8: label} if label else headings
            if imports:
                self.groups.append(([], imports))
            for child in children[1:] if first is not None else children:
                if child.type in ("bullet_list", "ordered_list"):
                    for sub in child.children:
                        self.item(sub, inner, label or lead)
                else:
                    self.blocks([child], inner, label or lead)
            self.last = None
            return
        if not text:
            self.blocks(children, headings, lead)
            return
        details, example = [], None
        for child in children[1:]:
            if child.type == "paragraph":
                details.append(_inline(child.children[0]))
            elif child.type in ("bullet_list", "ordered_list"):
                details += [_flat(sub) for sub in child.children]
            elif child.type in ("fence", "code_block") and example is None:
                example = child.content
        assert first is not None
        statement = self.statement(first, text, headings, lead, listed=True, end=max(child.map[1] for child in children if child.map))
        if statement is not None:
            self.add(replace(statement, details=tuple(details), example=example), imports)
        elif imports:
            self.groups.append(([], imports))

    def statement(
        self, node: SyntaxTreeNode, text: str, headings: dict[int, str], lead: str | None, *, listed: bool = False, bold: bool = False, end: int | None = None
    ) -> Statement | None:
        """The statement a paragraph or list item makes; ``None`` for a paragraph that states no
        rule (a list item is always one, if only of information)."""
        kind, cue = classify(text)
        inherited = False
        if listed and (kind == "information" or cue.startswith("verb")):
            # Under "**Never:**" or "## Don'ts", "- commit secrets" is a prohibition.
            label = f"label {lead!r}" if lead is not None and PROHIBITING.search(lead) else None
            heading = next((f"heading {headings[k]!r}" for k in sorted(headings, reverse=True) if PROHIBITING.search(headings[k])), None)
            if label or heading:
                kind, cue, inherited = "prohibition", label or heading or "", True
        if not listed and kind == "information" and not bold:
            return None
        assert node.map is not None
        start, stop = node.map
        section = " / ".join(headings[key] for key in sorted(headings))
        return Statement(self.name, self.offset + start + 1, text, kind, cue, section, self.offset + (end or stop), inherited=inherited)


def classify(text: str) -> tuple[str, str]:
    """A statement's kind by its own words, and the words that decided it: the first cue
    (``"Never"``), where an opening imperative verb (``verb "Use"``) counts as one; else information.

    A checklist item (``[ ] Tests pass``) is a requirement; ``Unit tests: add or update tests``
    is read by what follows its short label. Only the first ``MAX_CLASSIFIED_CHARS`` count.
    """
    text = text[:MAX_CLASSIFIED_CHARS]
    checkbox = CHECKBOX.match(text)
    if checkbox:
        kind, cue = _classify(text[checkbox.end() :])
        return (kind, cue) if kind in ("prohibition", "preference") else ("requirement", "a checklist item")
    kind, cue = _classify(text)
    label = LABEL.match(text)
    if kind == "information" and not cue and label is not None:
        # "Unit tests: add or update tests in ...": the words after a short label.
        inner = _classify(label[1])
        if inner[0] != "information":
            return inner
    return kind, cue


def _classify(text: str) -> tuple[str, str]:
    """``classify`` without labels and checkboxes."""
    plain = outside_code(text).lstrip()
    if _defines(text):
        return "information", "a definition"
    opening = re.match(r"\W*([A-Za-z']+)", plain)
    first = opening[1] if opening else ""
    if NO.match(plain):
        return "prohibition", f'"{first}"'
    found = next((cue for cue in CUE.finditer(plain) if not CLAUSE_CUES.fullmatch(cue[0]) or CLAUSE_START.search(plain[max(0, cue.start() - 12) : cue.start()])), None)
    if found is not None and (found.start() <= plain.find(first) or first.lower() not in IMPERATIVE):
        kind = next(k for k, v in found.groupdict().items() if v is not None)
        return kind, f'"{found[0]}"'
    if first.lower() in IMPERATIVE:
        return "requirement", f'verb "{first}"'
    if first.lower() in HOW_TO:
        # "Run the tests before pushing" asks for it; "Run `make dev` to start" says how.
        return ("requirement", f'verb "{first}"') if WHEN.search(plain) else ("information", f'how-to "{first}"')
    for clause in re.split(r";\s+|\.\s+", plain)[1:]:
        # "Integration tests: run `make it`; add a test case in ...": a later clause asks.
        verb = re.match(r"\W*([A-Za-z']+)", clause)
        if verb is not None and verb[1].lower() in IMPERATIVE:
            return "requirement", f'verb "{verb[1]}"'
    convention = CONVENTION.match(plain)
    if convention:
        # "Docstrings: Google-style.": the house style of something code has.
        return "requirement", f'convention "{convention[1]}"'
    quantified = QUANTIFIED.match(plain)
    if quantified:
        return "requirement", f'"{quantified[1]}"'
    return "information", ""


def _defines(text: str) -> bool:
    """Whether a statement defines a name rather than asking anything: "`make test` - run the
    tests", "`POLAR_DB_URL`: the database", "[Guide](docs/guide.md)"."""
    return bool(re.match(r"^(?:`[^`]+`|\[[^\]]+\]\([^)]*\))\s*(?:[:—–-]|\(|$)", text)) or bool(re.fullmatch(r"`[^`]+`", text.strip()))


def outside_code(text: str) -> str:
    """The text with code spans blanked (same length): cue words inside code are not the writer's."""
    return re.sub(r"`[^`]*`", lambda m: " " * len(m[0]), text)


def _inline(node: SyntaxTreeNode | None) -> str:
    """An inline node as text: emphasis dropped, code spans verbatim in backticks, links as their text."""
    if node is None:
        return ""
    parts = []
    for child in node.children:
        if child.type == "text":
            parts.append(child.content)
        elif child.type == "code_inline":
            ticks = "``" if "`" in child.content else "`"
            parts.append(f"{ticks}{child.content}{ticks}")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "html_inline":
            parts.append(child.content)
        else:
            parts.append(_inline(child))
    # Typographic apostrophes as typed ones: "Don’t" is "Don't" to every cue.
    return re.sub(r"[ \t]+", " ", "".join(parts)).replace("\u2019", "'").replace("\u2018", "'").strip()


def _flat(item: SyntaxTreeNode) -> str:
    """A nested list item as one line of explanation."""
    return " ".join(_inline(child.children[0]) for child in item.children if child.type == "paragraph")


def _bold_led(inline: SyntaxTreeNode) -> bool:
    """Whether a paragraph opens with bold text (``**ALL queries MUST be in repositories.**``)."""
    children = [child for child in inline.children if not (child.type == "text" and not child.content.strip())]
    return bool(children) and children[0].type == "strong"


def _is_label(inline: SyntaxTreeNode | None, text: str) -> bool:
    """Whether a paragraph is only a label: bold text alone (``**Testing**``, ``**Rules:**``)."""
    if inline is None:
        return False
    children = [child for child in inline.children if not (child.type == "text" and child.content.strip() in ("", ":"))]
    return len(children) == 1 and children[0].type == "strong" and len(text.split()) <= 8


def _imports(inline: SyntaxTreeNode | None) -> list[str]:
    """The files a paragraph brings in: ``@docs/style.md`` imports and links to Markdown files
    (relative paths only: a link with a scheme leaves the repository)."""
    if inline is None:
        return []
    found = [match for child in inline.children if child.type == "text" for match in IMPORT.findall(child.content)]
    for child in inline.walk():
        if child.type == "link":
            href = str(child.attrs.get("href", "")).split("#")[0]
            if href and not re.match(r"^[a-z][a-z0-9+.-]*:|^/|^#", href, re.IGNORECASE) and href.endswith((".md", ".mdc")):
                found.append(href)
    return found


def _lines(text: str) -> list[str]:
    """A file's lines as git and editors number them: split at line feeds only (not at U+2028 or
    form feeds, which ``str.splitlines`` also splits at), without a byte-order mark."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")


def _after_front_matter(lines: list[str]) -> int:
    """The index of the first line after a ``---`` front matter block (0 without one).

    Front matter is only skipped, never parsed as YAML: real files hold "almost YAML" (unquoted
    colons, ``tools`` as a string or a list), and none of it is a rule.
    """
    if not lines or lines[0].strip() != "---":
        return 0
    # A rule (``---``) opening a file is front matter only when keys follow it.
    first = next((line for line in lines[1:] if line.strip()), "")
    if not re.match(r"[\w-]+\s*:", first):
        return 0
    for number in range(1, len(lines)):
        if lines[number].strip() in ("---", "..."):
            return number + 1
    return 0


def map_statement(statement: Statement, packs: list[Pack]) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], frozenset[str]]:
    """The rules a statement asks for and the rules it asks the opposite of, each with the words
    that decided it, and those of the latter it is against only in general words (what the rule
    is ``about``). Information asks nothing; a statement that is both for and against a rule is
    neither (its words are read as saying too much to decide)."""
    if statement.kind == "information" or about_other_code(statement) or too_long(statement.text):
        return {}, {}, frozenset()
    folded = statement.text.casefold()
    wants: dict[str, list[str]] = {}
    against: dict[str, list[str]] = {}
    specific: set[str] = set()
    for pack in packs:
        for known in pack.bullets:
            if folded == known.quote.casefold():
                for rule in known.rules:
                    wants.setdefault(rule, []).append("the pack's own sentence")
    if not wants:
        text = statement.text
        restricted = bool(RESTRICTION.search(text))
        for pack in packs:
            for rule, phrases in pack.recognise.items():
                for patterns, sense in ((phrases.wants, "wants"), (phrases.forbids, "forbids"), (phrases.about, "about"), (phrases.denied, "denied")):
                    for pattern in patterns:
                        for match in pattern.finditer(text):
                            wanted = asked(text, match.start(), statement.inherited) and not (sense != "forbids" and restricted)
                            if sense == "about" and not wanted:
                                # What a rule is about, asked for less of: against it.
                                against.setdefault(rule, []).append(match[0])
                            elif sense == "denied" and not wanted:
                                wants.setdefault(rule, []).append(match[0])
                            elif sense == "forbids" and wanted and not PERMISSION.search(clause_around(outside_code(text), match.start(), match.end())):
                                # "`ThreadPoolTaskRunner` is cloudpickled when ...": a mention, not an ask.
                                continue
                            elif sense in ("wants", "forbids"):
                                (wants if wanted == (sense == "wants") else against).setdefault(rule, []).append(match[0])
                                if wanted != (sense == "wants"):
                                    specific.add(rule)
    both = wants.keys() & against.keys()
    return (
        {rule: tuple(dict.fromkeys(words)) for rule, words in sorted(wants.items()) if rule not in both},
        {rule: tuple(dict.fromkeys(words)) for rule, words in sorted(against.items()) if rule not in both},
        frozenset(against.keys() - both - specific),
    )


def too_long(text: str) -> bool:
    """Whether a statement explains more than it asks: more than ``MAX_MAPPED_WORDS`` words (or
    their worth of characters)."""
    return len(text) > MAX_MAPPED_WORDS * 20 or len(text.split()) > MAX_MAPPED_WORDS


def about_other_code(statement: Statement) -> bool:
    """Whether a statement is about code in another language: by its heading, its file's
    directory, or its own words."""
    directories = statement.path.split("/")[:-1]
    return bool(OTHER_CODE.search(statement.section) or OTHER_CODE.search(outside_code(statement.text))) or any(d.lower() in OTHER_DIRECTORIES for d in directories)


def clause_around(plain: str, start: int, end: int) -> str:
    """The clause of ``plain`` that holds ``plain[start:end]``."""
    after = CLAUSE.search(plain, end)
    return clause_before(plain, start) + plain[start : after.start() if after else len(plain)]


def clause_before(plain: str, start: int) -> str:
    """The words of ``plain`` (code spans blanked) from the start of the clause holding ``start`` up to it."""
    return plain[max((m.end() for m in CLAUSE.finditer(plain, 0, start)), default=0) : start]


def asked(text: str, start: int, inherited: bool) -> bool:
    """Whether the words at ``start`` are asked for (``True``) or against: negations a few words
    before them in the same clause flip it, and so does a prohibition given by a heading. Words
    inside code spans are code, never negations or clause ends."""
    before = clause_before(outside_code(text), start)
    flips = sum(len(before[negation.end() :].split()) <= NEGATION_REACH for negation in NEGATOR.finditer(before))
    return (flips + inherited) % 2 == 0


def coverage(statements: list[Statement], packs: list[Pack]) -> list[Coverage]:
    """For each statement, the rules of the packs that enforce it, or the reason no rule can."""
    result = []
    for statement in statements:
        wants, against, loose = map_statement(statement, packs)
        reason, explained = None, False
        if not wants:
            unchecked = next((why for pack in packs for patterns, why in pack.unchecked if any(re.search(p, statement.text, re.IGNORECASE) for p in patterns)), None)
            # Explained: nothing in Python code can enforce it, or reviewbot honours it by
            # turning rules off; a long or unknown requirement is still open for ``--check``.
            if statement.kind == "information":
                reason, explained = "information: it asks nothing of the code", True
            elif about_other_code(statement):
                reason, explained = "about code in another language; reviewbot reads Python", True
            elif against:
                reason, explained = f"asks the opposite of what {', '.join(against)} {'enforces' if len(against) == 1 else 'enforce'}", True
            elif unchecked is not None:
                reason, explained = unchecked, True
            elif too_long(statement.text):
                reason = f"more than {MAX_MAPPED_WORDS} words: it explains more than it asks, and no phrase of it is mapped"
            else:
                reason = NO_RULE
        result.append(Coverage(statement, tuple(wants), reason, {**wants, **against}, tuple(against), loose, explained))
    return result


@dataclass(frozen=True)
class Conflict:
    """Statements that ask for a rule and against it, where their scopes meet; ``winner``
    decides there (``Source.weight``, the order of ``Settings.source_for``)."""

    rule: str
    asking: tuple[Source, ...]
    against: tuple[Source, ...]
    winner: Source


def conflicts(sources: dict[str, list[Source]]) -> list[Conflict]:
    """The rules that some statements ask for and others against (``sources_of``'s), each with
    the side that wins where both apply; statements whose scopes never meet do not conflict."""
    result = []
    for rule, found in sorted(sources.items()):
        asking = [s for s in found if not s.against]
        opposed = [s for s in found if s.against]
        pairs = [(a, b) for a in asking for b in opposed if _overlap(a.scope, b.scope)]
        if pairs:
            involved = [s for s in found if any(s in pair for pair in pairs)]
            winner = min(involved, key=lambda s: (*s.weight(), s.path, s.line))
            result.append(Conflict(rule, tuple(s for s in involved if not s.against), tuple(s for s in involved if s.against), winner))
    return result


def _overlap(first: tuple[str, ...] | None, second: tuple[str, ...] | None) -> bool:
    """Whether two scopes can cover one file: every file, a directory inside the other's, or globs
    (taken to overlap: no cheap test tells)."""
    if first is None or second is None:
        return True
    directories = [scope[0][:-3] for scope in (first, second) if len(scope) == 1 and scope[0].endswith("/**") and "*" not in scope[0][:-3]]
    if len(directories) < 2:
        return True
    a, b = (d + "/" for d in directories)
    return a.startswith(b) or b.startswith(a)


def front_matter(root: Path, name: str) -> dict[str, str]:
    """The ``key: value`` lines of a file's front matter, read line by line ("almost YAML")."""
    lines = _lines(read_text_file(root / name, MAX_AGENT_BYTES, name, "agent file"))
    end = _after_front_matter(lines)
    fields = {}
    for line in lines[1 : end - 1] if end else []:
        key, colon, value = line.partition(":")
        if colon and key.strip() and not key.startswith((" ", "\t", "-")):
            fields[key.strip()] = value.strip()
    return fields


def patterns(value: str) -> tuple[str, ...]:
    """Globs written as ``"**/*.py, src/**"`` or ``["**/*.py", "src/**"]``."""
    return tuple(part.strip().strip("'\"") for part in value.strip().strip("[]").split(",") if part.strip().strip("'\""))


def scope_of(root: Path, name: str) -> tuple[tuple[str, ...] | None, int] | None:
    """Which files an agent file's rules apply to, and how specific that is; ``None`` when the
    agent applies it to no file by itself (a Cursor rule that is neither ``alwaysApply`` nor has
    ``globs``, a Copilot instructions file without ``applyTo``: both are only used on request).

    ``CLAUDE.md`` and ``AGENTS.md`` cover their directory; subagents and the repository-wide
    files cover everything.
    """
    directory = name.rpartition("/")[0]
    if name.endswith(".mdc") or name.endswith(".instructions.md"):
        fields = front_matter(root, name)
        if fields.get("alwaysApply", "").lower() == "true":
            return None, 0
        globs = patterns(fields.get("globs", "") or fields.get("applyTo", ""))
        if not globs:
            return None
        try:
            Globs(globs)  # ``applyTo: "**"`` is every file, as written
        except ConfigError as error:
            raise ConfigError(f"{name}: {error}") from None
        return globs, 1
    if name.rpartition("/")[2] in NAMES and directory and directory != ".github":
        return (f"{directory}/**",), directory.count("/") + 1
    return None, 0


def rank(name: str, prefer: tuple[str, ...] = ()) -> int:
    """How much an agent file's word counts under ``packs: [auto]``, higher first: a file named
    in ``agents.prefer`` (the first highest), then the repository's instruction files
    (``CLAUDE.md``, ``AGENTS.md``, Copilot and Cursor rules), then subagents (often a generic template)."""
    for index, pattern in enumerate(prefer):
        if Globs([pattern]).match(name):
            return 100 - index
    return 0 if name.startswith(".claude/agents/") else 1


def auto_sources(root: Path, packs: list[Pack], prefer: tuple[str, ...] = (), exclude: Globs | None = None) -> dict[str, list[Source]]:
    """For ``packs: [auto]``: each rule the repository's agent files speak of, with the statements
    (file, line, text, scope) that ask for it and those that ask the opposite (``Source.against``)."""
    files = [(name, coverage(statements, packs)) for name, statements in read_all(root, discover(root, exclude))]
    return sources_of(root, files, prefer)


def sources_of(root: Path, files: list[tuple[str, list[Coverage]]], prefer: tuple[str, ...] = ()) -> dict[str, list[Source]]:
    """The statements of ``files`` (each agent file with its coverage) that ask for a rule or
    against it, as ``Source`` with their file's scope and rank. A preference ("Type hints
    encouraged but not required") asks for nothing: it is no reason to block a merge."""
    found: dict[str, list[Source]] = {}
    for name, covered in files:
        try:
            scope = scope_of(root, name)
        except ConfigError as error:
            log.warning("%s: its statements apply nowhere: %s", name, error)
            continue
        if scope is None:
            continue
        for c in covered:
            statement = c.statement
            asking = c.rules if statement.kind != "preference" else ()
            for rule in (*asking, *c.against):
                found.setdefault(rule, []).append(
                    Source(statement.path, statement.line, statement.text, scope[0], scope[1], rank(name, prefer), rule in c.against, rule in c.loose)
                )
    return found


def waived(text: str, waive: tuple[tuple[str, str], ...]) -> str | None:
    """The reason ``agents.waive`` gives for a statement: an entry equal to its text (any case) or
    a regular expression found in it."""
    folded = text.casefold()
    return next((reason for pattern, reason in waive if pattern.casefold() == folded or re.search(pattern, text, re.IGNORECASE)), None)
