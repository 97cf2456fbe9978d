"""Repository text made safe for where it is shown: terminals and CI logs, and Markdown.

File names, code and anything else from the repository under review are chosen by whoever wrote the
change, who may be hostile. In a CI log a line starting ``::`` is a workflow command (``::add-mask::``,
``::stop-commands::``), so a file name holding a newline must never start a line of its own; in a
pull-request comment HTML renders, ``@login`` notifies people and ``#123`` links issues (and on
GitLab ``!123``, ``~label``, ``%milestone`` and ``$snippet`` link too).
"""

from __future__ import annotations

import re

# Control characters (C0, DEL, C1), Unicode's line and paragraph separators, and the
# bidirectional overrides that make text display in another order than it is.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# A code span as reviewbot writes them in messages: one or more backticks, text, as many again.
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
# What Markdown would turn into markup, a mention or a link outside code: GitHub's flavour, and
# GitLab's references (``!12`` a merge request, ``~label``, ``%milestone``, ``$snippet``).
MARKUP = {
    "&": "&amp;", "<": "&lt;", ">": "&gt;", "@": "&#64;", "#": "&#35;", "\\": "\\\\", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "|": "\\|",
    "!": "&#33;", "~": "&#126;", "%": "&#37;", "$": "&#36;",
}
MARKUP_PATTERN = re.compile("|".join(re.escape(character) for character in MARKUP))


# Secrets of this run (the GitHub token), never to be shown: see ``redact``.
SECRETS: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret so that ``redact`` (and so every printed line) hides it."""
    if len(value) >= 8:
        SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    for secret in SECRETS:
        text = text.replace(secret, "***")
    return text


def printable(text: str) -> str:
    """``text`` on one line with every control character shown as an escape (``\\n``, ``\\x1b``),
    and no secret of this run in it."""
    return CONTROL.sub(lambda match: repr(match.group())[1:-1], redact(text))


def code(text: str) -> str:
    """A Markdown code span showing ``text`` exactly, whatever backticks it holds."""
    text = printable(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    # A span that starts or ends with a backtick needs a space inside its fence.
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown(text: str) -> str:
    """A message for Markdown: its code spans kept, everything else escaped, all on one line."""
    parts = []
    position = 0
    text = printable(text)
    for match in CODE_SPAN.finditer(text):
        parts.append(MARKUP_PATTERN.sub(lambda m: MARKUP[m.group()], text[position : match.start()]))
        parts.append(match.group())
        position = match.end()
    parts.append(MARKUP_PATTERN.sub(lambda m: MARKUP[m.group()], text[position:]))
    return "".join(parts)
