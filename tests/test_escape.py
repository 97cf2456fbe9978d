"""Repository text shown safely: one line, no markup, no mention, no secret."""

from __future__ import annotations

from reviewbot.escape import code, markdown, printable, redact, register_secret


def test_printable_shows_control_and_bidi_characters_as_escapes():
    assert printable("a\n::error::x\r\x1b[31m") == "a\\n::error::x\\r\\x1b[31m"
    assert printable("evil\u202egnp.py") == "evil\\u202egnp.py"


def test_code_spans_hold_any_backticks():
    assert code("plain.py") == "`plain.py`"
    assert code("a``b") == "```a``b```"
    assert code("`x") == "`` `x ``"


def test_markdown_keeps_only_code_spans_that_commonmark_would_pair():
    assert markdown("`app.x` for @me <b>") == "`app.x` for &#64;me &lt;b&gt;"
    # ``x` is no code span (runs of different lengths): the mention in it is escaped.
    assert markdown("module ``@octocat/x.py` here") == "module ``&#64;octocat/x.py` here"


def test_registered_secrets_are_redacted_everywhere_printable_is_used():
    register_secret("ghs_0123456789abcdef")
    assert redact("Authorization: token ghs_0123456789abcdef") == "Authorization: token ***"
    assert printable("x ghs_0123456789abcdef\n") == "x ***\\n"
    register_secret("short")  # too short to be a secret worth hiding
    assert redact("short") == "short"


def test_markdown_links_nothing_on_github_or_gitlab_outside_code():
    escaped = markdown("see !12, ~bug, %v1, $snip, @dev and #3 but `!12 ~x` stays code")
    assert escaped == "see &#33;12, &#126;bug, &#37;v1, &#36;snip, &#64;dev and &#35;3 but `!12 ~x` stays code"
