"""``reviewbot.files``: reading and writing reviewbot's own files, never through a symbolic link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reviewbot import files
from reviewbot.files import LinkedPath, NotScanned, open_directory, steps_from, write_atomic


@pytest.fixture(params=["dir_fd", "lstat"])
def tree(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A root holding ``real/`` and ``link -> real``; and a directory outside it. Each test runs
    with descriptors, and as where the system has no ``dir_fd`` (Windows)."""
    monkeypatch.setattr(files, "_AT", request.param == "dir_fd")
    root = tmp_path / "root"
    (root / "real").mkdir(parents=True)
    (root / "link").symlink_to("real")
    outside = tmp_path / "outside"
    outside.mkdir()
    return root, outside


@pytest.mark.parametrize(
    ("value", "steps"),
    [
        (".reviewbot_cache", (".reviewbot_cache",)),
        ("build/cache/", ("build", "cache")),
        ("a/../b", ("b",)),
        (".", ()),
        ("../elsewhere", None),
        ("a/../../elsewhere", None),
        ("/etc", None),
    ],
)
def test_steps_are_judged_by_the_name_alone(tmp_path, value, steps):
    assert steps_from(tmp_path, value) == steps


def test_an_absolute_path_inside_the_root_has_its_steps(tmp_path):
    assert steps_from(tmp_path, tmp_path / "x" / "y") == ("x", "y")


def test_a_walk_opens_and_makes_directories(tree):
    root, _ = tree
    with open_directory(root, ("real", "new", "deeper"), create=True) as directory:
        assert directory.shown == "real/new/deeper" and directory.path == root / "real/new/deeper"
        directory.write("state.json", "[]\n")
    assert (root / "real/new/deeper/state.json").read_text() == "[]\n"
    with pytest.raises(FileNotFoundError):
        open_directory(root, ("missing",))


@pytest.mark.parametrize("steps", [("link",), ("link", "below"), ("real", "..", "link")])
def test_a_link_at_any_step_is_refused_and_nothing_is_made_behind_it(tree, steps):
    root, _ = tree
    with pytest.raises((LinkedPath, ValueError)):
        open_directory(root, steps, create=True)
    assert list((root / "real").iterdir()) == []


def test_a_link_is_named_in_the_refusal(tree):
    root, outside = tree
    (root / "real/hooks").symlink_to(outside)
    with pytest.raises(LinkedPath, match=r"^real/hooks is a symbolic link, not followed$"):
        open_directory(root, ("real", "hooks"), create=True)
    (root / "file").write_text("x")
    with pytest.raises(LinkedPath, match="^file is not a directory$"):
        open_directory(root, ("file",))


def test_the_root_itself_may_lie_below_a_link(tree):
    root, _ = tree
    with open_directory(root / "link") as directory:
        directory.create("made", "x")
    assert (root / "real/made").read_text() == "x"


def test_a_directory_swapped_for_a_link_after_it_was_opened_is_still_the_one_written(tree):
    root, outside = tree
    if not files._AT:
        pytest.skip("without dir_fd a directory is known by its path (the documented fallback)")
    with open_directory(root, ("real",)) as directory:
        (root / "real").rename(root / "moved")
        (root / "real").symlink_to(outside)
        directory.write("state.json", "[]\n")
    assert list(outside.iterdir()) == []
    assert (root / "moved/state.json").read_text() == "[]\n"


def test_write_replaces_a_link_and_keeps_the_old_files_permissions(tree):
    root, outside = tree
    victim = outside / "victim"
    victim.write_text("precious\n")
    with open_directory(root, ("real",)) as directory:
        (root / "real/state.json").symlink_to(victim)
        directory.write("state.json", "new\n")
        assert not (root / "real/state.json").is_symlink()
        os.chmod(root / "real/state.json", 0o640)
        directory.write("state.json", "newer\n")
    assert victim.read_text() == "precious\n"
    assert (root / "real/state.json").read_text() == "newer\n"
    assert (root / "real/state.json").stat().st_mode & 0o777 == 0o640
    assert [path.name for path in (root / "real").iterdir()] == ["state.json"]


def test_create_leaves_whatever_is_there_alone(tree):
    root, outside = tree
    (root / "real/.gitignore").symlink_to(outside / "target")
    with open_directory(root, ("real",)) as directory:
        directory.create(".gitignore", "*\n")
        directory.create("CACHEDIR.TAG", "tag\n")
        directory.create("CACHEDIR.TAG", "other\n")
    assert not (outside / "target").exists()
    assert (root / "real/CACHEDIR.TAG").read_text() == "tag\n"


def test_read_takes_regular_files_only_and_within_the_limit(tree):
    root, outside = tree
    (outside / "secret").write_text("secret")
    (root / "real/link").symlink_to(outside / "secret")
    (root / "real/big").write_text("x" * 11)
    (root / "real/small").write_text("[]")
    os.mkfifo(root / "real/fifo")
    with open_directory(root, ("real",)) as directory:
        assert directory.read("small", 10) == b"[]"
        for name in ("link", "big", "fifo"):
            with pytest.raises(NotScanned):
                directory.read(name, 10)


def test_entries_and_unlink_never_follow_a_link(tree):
    root, outside = tree
    (outside / "victim").write_text("precious\n")
    (root / "real/old").symlink_to(outside / "victim")
    (root / "real/state.json").write_text("[]")
    with open_directory(root, ("real",)) as directory:
        found = dict(directory.entries())
        assert sorted(found) == ["old", "state.json"] and os.path.islink(root / "real/old")
        assert found["old"].st_size == len(str(outside / "victim"))
        directory.unlink("old")
        with pytest.raises(ValueError):
            directory.unlink("../outside/victim")
    assert (outside / "victim").read_text() == "precious\n"
    assert not (root / "real/old").exists()


def test_write_atomic_refuses_a_link_inside_the_root_and_takes_a_path_outside_as_given(tree):
    root, outside = tree
    with pytest.raises(LinkedPath, match="^link is a symbolic link"):
        write_atomic(root / "link/base.json", "{}\n", root)
    assert list((root / "real").iterdir()) == []
    write_atomic(root / "real/base.json", "{}\n", root)
    assert (root / "real/base.json").read_text() == "{}\n"
    (outside / "to-real").symlink_to(root / "real")
    write_atomic(outside / "to-real/chosen.json", "{}\n", root)
    assert (root / "real/chosen.json").read_text() == "{}\n"
