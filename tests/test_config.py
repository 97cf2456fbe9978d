"""Config pieces that the end-to-end tests do not pin down on their own."""

from __future__ import annotations

import pytest

from reviewbot.checks import OPTIONS
from reviewbot.config import build_settings
from reviewbot.errors import ConfigError
from reviewbot.globs import Globs


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("tests/**", "tests/unit/test_a.py", True),
        ("tests/**", "app/tests/test_a.py", False),
        ("**/test_*.py", "test_a.py", True),
        ("**/test_*.py", "app/deep/test_a.py", True),
        ("**/test_*.py", "app/contest_a.py", False),
        ("conftest.py", "app/conftest.py", True),
        ("app/legacy/*.py", "app/legacy/old.py", True),
        ("app/legacy/*.py", "app/legacy/sub/old.py", False),
        ("app/legacy", "app/legacy/sub/old.py", True),
        ("build/", "pkg/build/gen.py", True),
        ("migrations/0?_*.py", "migrations/01_init.py", True),
        ("a+b.py", "a+b.py", True),
        ("a+b.py", "aab.py", False),
    ],
)
def test_globs(pattern, path, matches):
    assert Globs([pattern]).match(path) is matches


def test_option_values_are_type_checked_and_ints_count_as_numbers():
    settings = build_settings({"comments": {"min-density": 1}})
    assert settings.options["comments.min-density"] == 1.0
    with pytest.raises(ConfigError, match=r"comments.min-lines: expected an integer, got True"):
        build_settings({"comments": {"min-lines": True}})
    with pytest.raises(ConfigError, match=r"errors.swallow-any-type: expected true or false, got 'yes'"):
        build_settings({"errors": {"swallow-any-type": "yes"}})


def test_unknown_family_and_option_suggest_the_closest():
    with pytest.raises(ConfigError, match=r"^erors: unknown key \(did you mean 'errors'\?\)$"):
        build_settings({"erors": {}})
    with pytest.raises(ConfigError, match=r"errors.external-call: unknown key \(did you mean 'external-calls'\?\)"):
        build_settings({"errors": {"external-call": []}})


def test_select_ignore_and_command_line_overrides():
    settings = build_settings({"select": ["RB2"], "ignore": ["RB205"]})
    assert settings.selected == {"RB201", "RB202", "RB203", "RB204", "RB206", "RB207", "RB208", "RB209"}
    overridden = build_settings({"select": ["RB2"], "ignore": ["RB205"]}, select=["RB1"], ignore=["RB103"], fail_on="never")
    assert overridden.selected == {"RB101", "RB102"}
    assert overridden.fail_on is None


def test_rules_the_pack_leaves_off_run_only_when_selected():
    assert "RB404" not in build_settings({}).selected
    assert "RB404" in build_settings({"extend-select": ["RB404"]}).selected
    assert build_settings({"extend-select": ["RB404"]}).selected == build_settings({}).selected | {"RB404"}
    # An explicit selection names what runs, whatever the pack's default.
    assert build_settings({"select": ["RB4"]}).selected == {"RB401", "RB402", "RB403", "RB404"}
    with pytest.raises(ConfigError, match=r"^extend-select\[0\]: unknown rule 'RB999'"):
        build_settings({"extend-select": ["RB999"]})


def test_a_pack_entry_with_an_unknown_key_names_it():
    from reviewbot import packs

    with pytest.raises(ConfigError, match=r"^x: RB101[.]enable: unknown key \(did you mean 'enabled'\?\)"):
        packs._spec("x: RB101", "RB101", {"severity": "error", "enable": False}, None)


def test_severity_override_keeps_the_quote():
    spec = build_settings({"severity": {"RB204": "error"}}).specs["RB204"]
    assert spec.severity.label == "error"
    assert spec.quote == "Implementing logic without proper error handling"


def test_ranges_and_empty_packs_are_config_errors():
    with pytest.raises(ConfigError, match=r"^max-file-bytes: must be at least 1, got -1$"):
        build_settings({"max-file-bytes": -1})
    with pytest.raises(ConfigError, match=r"^comments.min-lines: must be at least 1, got -5$"):
        build_settings({"comments": {"min-lines": -5}})
    with pytest.raises(ConfigError, match=r"^packs: name at least one pack"):
        build_settings({"packs": []})


def test_odd_pyproject_tables_are_not_internal_errors(tmp_path):
    from reviewbot.config import read_config
    from reviewbot.project import detect_project

    (tmp_path / "pyproject.toml").write_text("tool = 3\nproject = 3\n")
    assert read_config(tmp_path) == ({}, "built-in defaults")
    assert detect_project(tmp_path, []).roots == {}


def test_options_default_to_what_the_rules_declare():
    # The built-in pack sets no option: every value comes from the rule's own declaration.
    settings = build_settings({"comments": {"min-lines": 3}})
    assert set(settings.options) == set(OPTIONS)
    assert settings.options["comments.min-lines"] == 3
    assert settings.options["comments.min-density"] == 0.15
    assert "requests.get" in settings.options["errors.external-calls"]


def test_globs_agree_with_fnmatch_and_do_not_backtrack():
    import fnmatch
    import random

    chooser = random.Random(1)
    for _ in range(2000):
        pattern = "".join(chooser.choice("ab*?") for _ in range(chooser.randint(1, 7))).replace("**", "*")
        name = "".join(chooser.choice("ab") for _ in range(chooser.randint(0, 8)))
        assert Globs([pattern]).match(name) == fnmatch.fnmatchcase(name, pattern), (pattern, name)
    # 25 wildcards against a long name: exponential for a naive regex, immediate here.
    assert not Globs(["*a" * 25 + "b"]).match("a" * 60)
    # With ``**`` the first occurrence is not always the one to take: few wildcards, then.
    assert Globs(["**/tests/**/test_*.py"]).match("pkg/tests/unit/test_x.py")
    with pytest.raises(ConfigError, match=r"glob '\*\*a\*\*a\*\*a\*\*a\*\*b': at most 4"):
        Globs(["**a**a**a**a**b"])


@pytest.mark.parametrize(
    "value, size",
    [("4GiB", 4 << 30), ("512 MiB", 512 << 20), ("1.5gib", 3 << 29), (1 << 30, 1 << 30), ("268435456", 1 << 28), ("none", None), ("None", None)],
)
def test_max_memory_takes_binary_sizes_bytes_or_none(value, size):
    assert build_settings({"max-memory": value}).max_memory == size


def test_max_memory_defaults_to_4_gib_and_reads_back_as_written():
    from reviewbot.memory import describe

    assert build_settings({}).max_memory == 4 << 30
    assert [describe(size) for size in (4 << 30, 300 << 20, (1 << 30) + 1, 0)] == ["4 GiB", "300 MiB", "1073741825 bytes", "0 bytes"]


@pytest.mark.parametrize(
    "value, why",
    [
        ("4GB", "expected a size such as 4GiB"),
        ("lots", "expected a size such as 4GiB"),
        (True, "expected a size such as 4GiB"),
        (None, "expected a size such as 4GiB"),
        (4.5, "expected a size such as 4GiB"),
        (0, "0 bytes is below 100 MiB"),
        (4096, "4 KiB is below 100 MiB"),
    ],
)
def test_a_bad_max_memory_is_a_config_error_naming_the_key(value, why):
    with pytest.raises(ConfigError, match=rf"^max-memory: {why}"):
        build_settings({"max-memory": value})
