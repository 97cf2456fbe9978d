"""Agent files read as an engineer reads them: statements, kinds by their own words, mappings with
evidence and polarity, and the repository's own word winning under ``packs: [auto]``. Each case is
the shape it came from in a real agent file."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot.agents import classify, conflicts, coverage, discover, map_statement, read_all, read_statements, sources_of
from reviewbot.config import build_settings
from reviewbot.packs import load_pack

PACKS = [load_pack("backend-engineer")]


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def statements(root: Path, text: str, name: str = "CLAUDE.md") -> list[tuple[int, str, str]]:
    write(root, {name: text})
    return [(s.line, s.kind, s.text) for s in read_statements(root, name)]


def test_a_paragraph_led_by_bold_text_is_a_statement_and_a_bold_line_alone_is_a_topic(tmp_path):
    text = (
        "# Backend\n\nYou are working on the API.\n\n**Data access**\n\n"
        "**ALL database queries MUST be in repository files.** Services call repositories.\n\n"
        "**CRITICAL: Never call `session.commit()`** in service code.\n"
    )
    assert statements(tmp_path, text) == [
        (7, "requirement", "ALL database queries MUST be in repository files. Services call repositories."),
        (9, "prohibition", "CRITICAL: Never call `session.commit()` in service code."),
    ]
    assert read_statements(tmp_path, "CLAUDE.md")[0].section == "Backend / Data access"


def test_a_plain_paragraph_that_states_a_rule_is_read_and_one_that_describes_is_not(tmp_path):
    text = "The service runs on FastAPI.\n\nNever store tokens in cookies.\n\nDo not use Django signals; call the handler.\n"
    assert statements(tmp_path, text) == [(3, "prohibition", "Never store tokens in cookies."), (5, "prohibition", "Do not use Django signals; call the handler.")]


def test_wrapped_bullets_keep_every_line_and_nested_items_explain_their_parent(tmp_path):
    text = (
        "## Cookies\n\n- Always supply `expires=` when setting a cookie:\n  the browser otherwise keeps it\n  for the session only, which\n  logs users out.\n"
        "  - `expires` takes a datetime\n  - never a string\n- Next rule\n"
    )
    first, second = read_statements(write(tmp_path, {"AGENTS.md": text}), "AGENTS.md")
    assert first.text == "Always supply `expires=` when setting a cookie: the browser otherwise keeps it for the session only, which logs users out."
    assert (first.line, first.end_line, first.details) == (3, 8, ("`expires` takes a datetime", "never a string"))
    assert (second.line, second.text) == (9, "Next rule")


def test_a_label_item_over_a_list_is_a_topic_and_its_items_are_statements(tmp_path):
    text = "## Code style\n\n- **Testing**:\n  - Do not use Django signals\n  - Use global import statements\n"
    found = read_statements(write(tmp_path, {"AGENTS.md": text}), "AGENTS.md")
    assert [(s.line, s.kind, s.section) for s in found] == [(4, "prohibition", "Code style / Testing"), (5, "requirement", "Code style / Testing")]


@pytest.mark.parametrize(
    "span",
    ["`_case`", "`*.test`", "`<number>_<name>.py`", "`__init__.py`", "`**/tests/**`"],
)
def test_code_spans_are_kept_verbatim(tmp_path, span):
    [(_, _, text)] = statements(tmp_path, f"- Name files {span} and keep *emphasis* _plain_\n")
    assert text == f"Name files {span} and keep emphasis plain"


def test_claude_md_importing_agents_md_lists_each_statement_once(tmp_path):
    write(tmp_path, {"CLAUDE.md": "@AGENTS.md\n\n- Claude only\n", "AGENTS.md": "- Never use relative imports\n"})
    read = read_all(tmp_path, discover(tmp_path))
    assert [(name, [(s.path, s.text) for s in found]) for name, found in read] == [
        ("AGENTS.md", [("AGENTS.md", "Never use relative imports")]),
        ("CLAUDE.md", [("CLAUDE.md", "Claude only")]),
    ]


def test_a_claude_md_that_links_to_agents_md_is_read_as_that_file(tmp_path):
    write(tmp_path, {"docs/agents.md": "- Never use relative imports\n"})
    (tmp_path / "CLAUDE.md").symlink_to("docs/agents.md")
    (tmp_path / "AGENTS.md").symlink_to("/etc/hostname")
    assert discover(tmp_path) == ["docs/agents.md"]


def test_markdown_links_inside_the_repository_are_read_once_and_outside_never(tmp_path):
    files = {
        "AGENTS.md": "- Follow [the style guide](docs/style.md) and [Ruff](https://docs.astral.sh/ruff/)\n- See [again](docs/style.md)\n- [Outside](../secret.md)\n",
        "docs/style.md": "- Never use `print()`\n",
    }
    write(tmp_path / "repo", files)
    (tmp_path / "secret.md").write_text("- Never read this\n")
    found = read_statements(tmp_path / "repo", "AGENTS.md")
    assert [(s.path, s.text) for s in found] == [
        ("AGENTS.md", "Follow the style guide and Ruff"),
        ("docs/style.md", "Never use `print()`"),
        ("AGENTS.md", "See again"),
        ("AGENTS.md", "Outside"),
    ]


def test_github_agents_md_is_an_agent_file_for_the_whole_repository(tmp_path):
    write(tmp_path, {".github/AGENTS.md": "- Never use relative imports\n", "node_modules/x/AGENTS.md": "- vendored\n"})
    assert discover(tmp_path) == [".github/AGENTS.md"]


@pytest.mark.parametrize(
    ("text", "kind", "cue"),
    [
        ("Do not use Django signals", "prohibition", '"Do not"'),
        ("Never call `session.commit()` in services", "prohibition", '"Never"'),
        ("No print statements in library code", "prohibition", '"No"'),
        ("Avoid mutable default arguments", "prohibition", '"Avoid"'),
        ("Use global import statements", "requirement", 'verb "Use"'),
        ("All HTTP calls go through the clients package", "requirement", '"go through"'),
        ("Endpoints MUST return Pydantic models", "requirement", '"MUST"'),
        ("Prefer `pathlib` over `os.path`", "preference", '"Prefer"'),
        ("Tests should be fast", "preference", '"should"'),
        ("`POLAR_STRIPE_WEBHOOK_SECRET`: the webhook signing secret", "information", "a definition"),
        ("`make test` - runs the test suite", "information", "a definition"),
        ("Run `uv run pytest` to test", "information", 'how-to "Run"'),
        ("The API is built with FastAPI and SQLAlchemy", "information", ""),
        # A cue inside code is not the writer's word.
        ("The `never_expire` flag of tokens", "information", ""),
        # "do not" forbids where a clause starts; after a subject it describes.
        ("Tests do not require Docker", "information", ""),
        ("Dialogs don't auto-reset form state", "information", ""),
        ("[ ] Type hints are present for all functions", "requirement", "a checklist item"),
        ("[ ] No debug code (print statements) left behind", "prohibition", '"No"'),
        ("Unit tests: add or update tests in `tests/unit/`", "requirement", 'verb "add"'),
        ("If old and new implementations coexist, converge to one path", "requirement", 'verb "converge"'),
        ("Run relevant tests before submitting PRs", "requirement", 'verb "Run"'),
        ("All PRs require test coverage for new functionality", "requirement", '"require"'),
        ("Full type hints on all test functions", "requirement", '"on all"'),
        ("Docstrings: Google-style. Classes describe purpose", "requirement", 'convention "Docstrings"'),
        ("Integration tests: run `make it`; add a test case per backend", "requirement", 'verb "add"'),
    ],
)
def test_a_statement_s_kind_comes_from_its_own_words(text, kind, cue):
    assert classify(text) == (kind, cue)


def test_topic_headings_never_decide_a_kind_and_prohibiting_ones_lend_their_polarity(tmp_path):
    text = "## Testing\n\n- Do not use Django signals\n- Fixtures live in conftest.py\n\n## Don'ts\n\n- Use print for debugging\n\nNever do the following:\n\n- commit secrets to the repo\n"
    found = read_statements(write(tmp_path, {"AGENTS.md": text}), "AGENTS.md")
    assert [(s.kind, s.cue) for s in found] == [
        ("prohibition", '"Do not"'),
        ("information", ""),
        ("prohibition", "heading \"Don'ts\""),
        ("prohibition", "label 'Never do the following'"),
    ]


@pytest.mark.parametrize(
    ("text", "wants", "against"),
    [
        ("Never use relative imports", ["RB101"], []),
        ("Use absolute imports everywhere", ["RB101"], []),
        ("Relative imports within a package are fine", [], ["RB101"]),
        ("Do not add comments unless necessary", [], ["RB401", "RB402", "RB403", "RB404"]),
        ("Comments only where necessary", [], ["RB401", "RB402", "RB403", "RB404"]),
        # Comments as data are not code comments.
        ("Don't just test tasks: test comments, files, and nested entities", [], []),
        ("Keep validators minimal — no lengthy docstrings; the code should be self-explanatory.", [], ["RB401"]),
        ("Use the logger, never `print()`", ["RB601"], []),
        ("Always pass a `timeout=` to HTTP calls", ["RB205"], []),
        ("Never commit secrets or API keys to the repository", ["RB704"], []),
        # Mentions of secrets and credentials are not RB7xx rules.
        ("Do not default secrets to empty strings", [], []),
        ("Name the actor in credential rotation docs", [], []),
        ("Set `POLAR_STRIPE_WEBHOOK_SECRET` in .env", [], []),
        ("Create indexes concurrently in migrations", [], []),
        ("Skipping type definitions or schema validation", [], []),
        # About code in another language: nothing of reviewbot's applies.
        ("Never use `any` in TypeScript code", [], []),
        ("Use single backticks for inline code references in docstrings", [], []),
        ("Return type hints on fixtures", ["RB302"], []),
        ("[ ] No debug code (console.logs, print statements) left behind", ["RB601"], []),
    ],
)
def test_mappings_follow_the_sense_of_the_words_around_them(text, wants, against):
    kind, cue = classify(text)
    from reviewbot.agents import Statement

    mapped, opposed, _ = map_statement(Statement("AGENTS.md", 1, text, kind, cue, ""), PACKS)
    assert (sorted(mapped), sorted(opposed)) == (wants, against)


def test_a_rule_paragraph_that_introduces_a_list_is_read_and_leads_the_list(tmp_path):
    text = "## Plugins\n\nPlugins ARE NOT ALLOWED TO DEPEND ON DJANGO. They may depend on two files only:\n\n- `utils.js`\n- `tests/utils.py`\n"
    found = read_statements(write(tmp_path, {"AGENTS.md": text}), "AGENTS.md")
    assert [(s.line, s.kind) for s in found] == [(3, "prohibition"), (5, "information"), (6, "information")]
    mapped, _, _ = map_statement(found[0], PACKS)
    assert mapped == {"RB502": ("DEPEND ON D",)}


def test_statements_about_other_code_map_to_nothing(tmp_path):
    write(tmp_path, {"AGENTS.md": "## TypeScript Standards\n\n- Use type annotations for all functions\n", "web/AGENTS.md": "- Never use `print`\n"})
    for name in ("AGENTS.md", "web/AGENTS.md"):
        [covered] = coverage(read_statements(tmp_path, name), PACKS)
        assert covered.rules == () and covered.reason == "about code in another language; reviewbot reads Python"


def test_each_mapping_lists_the_words_that_matched(tmp_path):
    [covered] = coverage(read_statements(write(tmp_path, {"AGENTS.md": "- Never use relative imports\n"}), "AGENTS.md"), PACKS)
    assert covered.evidence == {"RB101": ("relative imports",)}


AUTO = {"packs": ["auto"]}
GENERIC = "---\nname: backend-engineer\n---\n## Rules\n\n- Add detailed comments for all variables, functions, and complex logic\n- Use absolute imports with @ alias for all internal modules\n"


def test_under_auto_the_repository_file_that_says_no_comments_wins_over_the_subagent(tmp_path):
    write(tmp_path, {".claude/agents/backend.md": GENERIC, "CLAUDE.md": "# Conventions\n\n- Do not add comments unless necessary\n"})
    settings = build_settings(AUTO, agents_root=tmp_path)
    # The subagent asks for RB401-RB404; the repository's own file turns the comment rules off.
    for rule in ("RB401", "RB402", "RB403", "RB404"):
        assert settings.source_for(rule, "app/x.py") is None
        assert rule not in settings.rules_for("app/x.py")


def test_a_file_that_asks_for_docstrings_keeps_them_against_its_own_general_no_comments(tmp_path):
    write(tmp_path, {"CLAUDE.md": "- Do not add comments unless necessary\n- Write Google-style docstrings for all public functions\n"})
    settings = build_settings(AUTO, agents_root=tmp_path)
    # "no comments" is against RB401 only in general words; the docstring statement names it.
    assert settings.source_for("RB401", "app/x.py").line == 2
    assert settings.source_for("RB403", "app/x.py") is None


def test_a_nearer_file_outranks_a_farther_one_and_agents_prefer_reorders(tmp_path):
    files = {"AGENTS.md": "- Use absolute imports\n", "legacy/AGENTS.md": "- Relative imports within a package are fine\n"}
    write(tmp_path, files)
    settings = build_settings(AUTO, agents_root=tmp_path)
    assert settings.source_for("RB101", "app/x.py") is not None
    assert settings.source_for("RB101", "legacy/x.py") is None
    # A subagent ranks below the repository's instruction files, unless the config prefers it.
    write(tmp_path, {".claude/agents/backend.md": GENERIC, "AGENTS.md": "- Relative imports within a package are fine\n"})
    assert build_settings(AUTO, agents_root=tmp_path).source_for("RB101", "app/x.py") is None
    preferred = build_settings({**AUTO, "agents": {"prefer": [".claude/agents/*.md"]}}, agents_root=tmp_path)
    assert preferred.source_for("RB101", "app/x.py").path == ".claude/agents/backend.md"


def test_conflicts_name_both_sides_and_the_winner(tmp_path):
    write(tmp_path, {".claude/agents/backend.md": GENERIC, "CLAUDE.md": "- Comments only where necessary\n"})
    files = [(name, coverage(found, PACKS)) for name, found in read_all(tmp_path, discover(tmp_path))]
    by_rule = {c.rule: c for c in conflicts(sources_of(tmp_path, files))}
    assert sorted(by_rule) == ["RB401", "RB402", "RB403", "RB404"]
    assert by_rule["RB402"].winner.path == "CLAUDE.md"
    assert [s.path for s in by_rule["RB402"].asking] == [".claude/agents/backend.md"]


def test_under_auto_no_finding_quotes_a_statement_that_asks_the_opposite(tmp_path):
    write(tmp_path, {"CLAUDE.md": "- Keep validators minimal — no lengthy docstrings; the code should be self-explanatory.\n"})
    # The only word on docstrings is against them: nothing asks for RB401.
    assert "RB401" not in build_settings(AUTO, agents_root=tmp_path).specs
    write(tmp_path, {"CLAUDE.md": "- Keep validators minimal — no lengthy docstrings; the code should be self-explanatory.\n- Add docstrings to public functions\n"})
    settings = build_settings(AUTO, agents_root=tmp_path)
    # "No lengthy docstrings" is not "no docstrings": the statement that names the rule decides,
    # and findings quote it, never the one against.
    assert settings.source_for("RB401", "app/x.py").text == "Add docstrings to public functions"
    assert settings.specs["RB401"].quote == "Add docstrings to public functions"


def test_statements_in_directories_that_never_meet_do_not_conflict(tmp_path):
    write(tmp_path, {"a/AGENTS.md": "- Never use relative imports\n", "b/AGENTS.md": "- Relative imports within a package are fine\n"})
    files = [(name, coverage(found, PACKS)) for name, found in read_all(tmp_path, discover(tmp_path))]
    assert conflicts(sources_of(tmp_path, files)) == []
    write(tmp_path, {"AGENTS.md": "- Prefer absolute imports\n"})
    files = [(name, coverage(found, PACKS)) for name, found in read_all(tmp_path, discover(tmp_path))]
    # A preference asks for nothing, so it conflicts with nothing.
    assert conflicts(sources_of(tmp_path, files)) == []


def test_typographic_apostrophes_read_as_typed_ones(tmp_path):
    [statement] = read_statements(write(tmp_path, {"AGENTS.md": "- Don\u2019t use relative imports\n"}), "AGENTS.md")
    assert (statement.kind, statement.text) == ("prohibition", "Don't use relative imports")
    assert map_statement(statement, PACKS)[:2] == ({"RB101": ("relative imports",)}, {})


def test_a_don_ts_heading_is_not_about_typescript(tmp_path):
    [covered] = coverage(read_statements(write(tmp_path, {"AGENTS.md": "## Dos and Don'ts\n\n- Never use `print()` for logging\n"}), "AGENTS.md"), PACKS)
    assert covered.rules == ("RB601",)


def test_adversarial_statements_are_read_without_recursion_or_blowup(tmp_path):
    # Labels and checkboxes repeated, cues and phrases repeated: each read in one pass.
    lines = ["- " + "x: " * 2000 + "y", "- " + "[ ] " * 2000 + "z", "- " + "x cannot " * 5000, "- " + "no-pickle-" * 4000]
    found = read_statements(write(tmp_path, {"AGENTS.md": "\n".join(lines) + "\n"}), "AGENTS.md")
    assert len(found) == 4 and all(c.rules == () for c in coverage(found, PACKS))


def test_line_numbers_are_git_s_and_a_byte_order_mark_hides_no_front_matter(tmp_path):
    write(tmp_path, {"AGENTS.md": "Intro\u2028more\n\f\n- Never use relative imports\n"})
    assert [s.line for s in read_statements(tmp_path, "AGENTS.md")] == [3]
    write(tmp_path, {".cursor/rules/a.mdc": "\ufeff---\nalwaysApply: true\n---\n- Never use relative imports\n"})
    from reviewbot.agents import scope_of

    assert scope_of(tmp_path, ".cursor/rules/a.mdc") == (None, 0)
    assert [s.line for s in read_statements(tmp_path, ".cursor/rules/a.mdc")] == [4]
    # A rule line opening a file is no front matter.
    write(tmp_path, {"CLAUDE.md": "---\n\n- Never use relative imports\n\n---\n"})
    assert [s.line for s in read_statements(tmp_path, "CLAUDE.md")] == [3]


def test_an_agent_file_linked_from_another_keeps_its_own_scope(tmp_path):
    files = {
        ".cursor/rules/a.mdc": "---\ndescription: manual\nalwaysApply: false\n---\n- See [the rules](../../AGENTS.md)\n",
        "AGENTS.md": "- Never use relative imports\n- See [backend](backend/AGENTS.md)\n",
        "backend/AGENTS.md": "- Type hints on all functions\n",
    }
    settings = build_settings(AUTO, agents_root=write(tmp_path, files))
    # A manual-only Cursor rule linking AGENTS.md does not take its statements with it...
    assert settings.source_for("RB101", "app/x.py").path == "AGENTS.md"
    # ...and a nested file linked from the root's keeps its directory.
    assert settings.source_for("RB301", "other/x.py") is None
    assert settings.source_for("RB301", "backend/x.py").path == "backend/AGENTS.md"


def test_a_linked_file_that_cannot_be_read_is_left_out_with_a_warning(tmp_path, caplog):
    write(tmp_path, {"AGENTS.md": "- Never use relative imports\n- See [notes](docs/notes.md)\n"})
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/notes.md").write_bytes(b"- caf\xe9\n")
    assert [s.text for s in read_statements(tmp_path, "AGENTS.md")] == ["Never use relative imports", "See notes"]
    assert "docs/notes.md (brought in by AGENTS.md): not read" in caplog.text


def test_a_drafted_comparison_check_holds_its_own_example(tmp_path):
    import yaml

    from reviewbot.suggest import suggestions
    from reviewbot.written import run_examples

    write(tmp_path, {"AGENTS.md": "- Never inline a `UserOrganization.user_id == x` filter\n"})
    [draft] = yaml.safe_load(suggestions(coverage(read_statements(tmp_path, "AGENTS.md"), PACKS)))["checks"]
    assert (draft["pattern"], draft["examples"]["bad"]) == ("UserOrganization.user_id == _", ["UserOrganization.user_id == value"])
    assert run_examples(build_settings({"checks": [draft]}, agents_root=tmp_path)) == []
