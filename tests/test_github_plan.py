"""The review plan: where comments go, what they say, and what a re-run does."""

from __future__ import annotations

from dataclasses import replace

from reviewbot.forge.plan import DiffFile, PostedComment, comment_body, placement, plan, suggestion
from reviewbot.model import Finding, Severity
from tests.conftest import scan

DOCS = "https://example.com/rules.md"
SOURCE = (
    '"""M."""\n'
    "from .models import Order\n"
    "\n"
    "\n"
    "def reset(orders: list[Order]):\n"
    '    """Forget."""\n'
    "    orders.clear()\n"
)


def findings(source: str = SOURCE):
    return scan(source, "app/orders.py")


def whole_file() -> DiffFile:
    lines = SOURCE.splitlines()
    return DiffFile(((1, len(lines)),), frozenset(range(1, len(lines) + 1)), lines)


def test_first_run_posts_one_comment_per_finding_with_suggestions_and_markers():
    result = plan(findings(), {"app/orders.py": whole_file()}, [], max_comments=30, docs_url=DOCS)
    assert [(c.path, c.start_line, c.line) for c in result.post] == [("app/orders.py", None, 2), ("app/orders.py", None, 5)]
    relative = result.post[0].body
    assert relative.startswith("**RB101** `relative-import` (error): relative import `.models`: use `app.models`")
    # The quote may come from the repository's own agent file: escaped like any text of the change
    # (an "@" there would mention someone).
    assert "> Agent rule: “Use absolute imports with &#64; alias for all internal modules”" in relative
    assert "```suggestion\nfrom app.models import Order\n```" in relative
    assert f"[RB101 documentation]({DOCS}#rb101-relative-import)" in relative
    assert relative.endswith(f"<!-- reviewbot:fp={result.post[0].fingerprint} -->")
    assert "```suggestion\ndef reset(orders: list[Order]) -> None:\n```" in result.post[1].body


def test_rerun_with_the_same_findings_posts_nothing():
    first = plan(findings(), {"app/orders.py": whole_file()}, [], max_comments=30, docs_url=DOCS)
    posted = [PostedComment(i, c.path, c.body) for i, c in enumerate(first.post)]
    again = plan(findings(), {"app/orders.py": whole_file()}, posted, max_comments=30, docs_url=DOCS)
    assert again.post == [] and again.delete == [] and again.resolve == []
    assert len(again.already_posted) == 2


def test_fixed_findings_lose_their_comment_or_are_marked_resolved_when_answered():
    first = plan(findings(), {"app/orders.py": whole_file()}, [], max_comments=30, docs_url=DOCS)
    posted = [PostedComment(1, "app/orders.py", first.post[0].body), PostedComment(2, "app/orders.py", first.post[1].body, replied=True)]
    posted.append(PostedComment(3, "app/orders.py", "a human's comment"))
    fixed = SOURCE.replace("from .models", "from app.models").replace("]):", "]) -> None:")
    result = plan(findings(fixed), {"app/orders.py": whole_file()}, posted, max_comments=30, docs_url=DOCS)
    assert [c.id for c in result.delete] == [1]
    assert [c.id for c in result.resolve] == [2]


def test_moved_code_is_not_reposted():
    first = plan(findings(), {"app/orders.py": whole_file()}, [], max_comments=30, docs_url=DOCS)
    posted = [PostedComment(i, c.path, c.body) for i, c in enumerate(first.post)]
    moved = SOURCE.replace('"""M."""\n', '"""M."""\n\n\n\n# Moved down.\n')
    result = plan(findings(moved), {"app/orders.py": whole_file()}, posted, max_comments=30, docs_url=DOCS)
    assert result.post == [] and result.delete == []


def test_lines_outside_the_diff_and_over_the_cap_go_to_the_summary():
    outside = DiffFile(((5, 7),), frozenset({7}), SOURCE.splitlines())
    result = plan(findings(), {"app/orders.py": outside}, [], max_comments=30, docs_url=DOCS)
    assert [c.line for c in result.post] == [5]
    assert [f.rule for f in result.not_inline] == ["RB101"]
    capped = plan(findings(), {"app/orders.py": whole_file()}, [], max_comments=1, docs_url=DOCS)
    assert len(capped.post) == 1 and [f.rule for f in capped.not_inline] == ["RB302"]


def test_ranges_stay_in_one_hunk_and_whole_function_findings_anchor_on_an_added_line():
    [finding] = [f for f in findings() if f.rule == "RB302"]
    ranged = replace(finding, line=5, end_line=7)
    assert placement(ranged, ((1, 7),), frozenset()) == (5, 7)
    assert placement(ranged, ((1, 6),), frozenset()) == (5, 5)
    # The def line is not in the diff, but a line of the function was added.
    assert placement(finding, ((7, 9),), frozenset({7})) == (7, 7)
    assert placement(finding, ((10, 12),), frozenset({11})) is None


def test_suggestion_fences_grow_past_backticks_in_the_code():
    [finding] = [f for f in findings('"""M."""\nfrom . import x  # ```\n') if f.rule == "RB101"]
    block = suggestion(finding, ['"""M."""', "from . import x  # ```"], 2, 2)
    assert block == "````suggestion\nfrom app import x  # ```\n````"


def test_a_quote_from_an_agent_file_links_its_line():
    finding = Finding("RB101", "relative-import", Severity.ERROR, "app/x.py", 1, 1, 1, 5, "relative import", quote="Never use relative imports", source=("docs/AGENTS.md", 7))
    body = comment_body([finding], "https://example.com/rules.md", None, "https://github.com/shop/api/blob/abc123")
    assert "> Agent rule: “Never use relative imports” ([docs/AGENTS.md#L7](https://github.com/shop/api/blob/abc123/docs/AGENTS.md#L7))" in body
    assert "[RB101 documentation](https://example.com/rules.md#rb101-relative-import)" in body


def test_a_team_check_quotes_its_statement_and_links_no_rule_docs():
    finding = Finding("no-session-commit", "no-session-commit", Severity.ERROR, "app/x.py", 1, 1, 1, 5, "commit in the unit of work", quote="Never call `session.commit()`", source=("AGENTS.md", 3))
    body = comment_body([finding], "https://example.com/rules.md", None, "https://github.com/shop/api/blob/abc123")
    assert "AGENTS.md#L3" in body and "documentation" not in body


def test_the_comment_budget_goes_to_errors_first_and_one_line_gets_one_comment():
    # As on a real pull request: a new module whose documented-nowhere functions (info) come
    # first and whose errors come last; room for two comments.
    source = '"""Jobs."""\n' + "".join(f"def job_{n}(x: int) -> None:\n    return None\n\n\n" for n in range(6))
    source += "def untyped(x) -> None:\n    return None\n\n\nfrom .models import Order\n"
    lines = source.splitlines()
    diff = {"app/jobs.py": DiffFile(((1, len(lines)),), frozenset(range(1, len(lines) + 1)), lines)}
    found = scan(source, "app/jobs.py")
    result = plan(found, diff, [], max_comments=2, docs_url=DOCS)
    assert [c.line for c in result.post] == [26, 30]
    # Line 26 holds an RB301 error and an RB401 info: one comment about both, the error first,
    # both in its marker.
    [both] = [c for c in result.post if c.line == 26]
    assert both.body.startswith("**RB301**") and "**RB401**" in both.body and len(both.covers) == 2
    assert both.body.endswith(f"<!-- reviewbot:fp={','.join(both.covers)} -->")
    # The six docstring findings wait in the summary, in report order.
    assert [f.line for f in result.not_inline] == [2, 6, 10, 14, 18, 22]
    inline = {fingerprint for c in result.post for fingerprint in c.covers}
    assert {f.fingerprint for f in result.not_inline} | inline == {f.fingerprint for f in found}
    # A re-run knows both findings of the shared comment, and keeps it while one of them remains.
    posted = [PostedComment(7, "app/jobs.py", both.body)]
    again = plan([f for f in found if f.fingerprint != both.covers[0]], diff, posted, max_comments=2, docs_url=DOCS)
    assert all(c.line != 26 for c in again.post)
    assert both.covers[1] in {f.fingerprint for f in again.already_posted} and again.delete == []


def test_a_shared_comment_carries_the_suggestion_of_whichever_finding_has_one():
    # RB101 (error, with a fix) and an info finding without one on the same line.
    source = '"""M."""\nfrom .models import Order  # a comment\n'
    lines = source.splitlines()
    diff = {"app/orders.py": DiffFile(((1, len(lines)),), frozenset(range(1, len(lines) + 1)), lines)}
    found = scan(source, "app/orders.py")
    info = replace(found[0], rule="RB404", name="undocumented-constant", severity=Severity.INFO, fix=None, fingerprint="f" * 20, message="m")
    [comment] = plan([info, *found], diff, [], max_comments=5, docs_url=DOCS).post
    assert comment.body.startswith("**RB101**") and comment.body.index("```suggestion") < comment.body.index("**RB404**")
