"""Configuration and baseline from a trusted revision, never from the work tree under review.

Under ``pull_request_target`` the job holds a write token and the checkout is the pull request's
own code: a ``.reviewbot.yml`` saying ``fail-on: never`` or a baseline listing every finding would
switch the gate off. With ``--trusted-config REV`` (implied under ``pull_request_target``, with the
base commit) both come from REV's git objects: the work tree's are never read. A revision the
clone lacks (a shallow checkout) is fetched; one that cannot be had stops the run (exit 2), so the
gate fails closed. REV without a config means the built-in defaults.
"""

from __future__ import annotations

import atexit
import posixpath
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reviewbot.config import CONFIG_FILE, MAX_CONFIG_BYTES, read_pyproject_table, read_yaml_config
from reviewbot.diff import fetch
from reviewbot.errors import ConfigError, GitError
from reviewbot.files import SKIPPED_DIRECTORIES
from reviewbot.project import ALEMBIC_INI, Layout, alembic_migrations, declared_imports, nested_roots, project_name

# The largest baseline read from git objects.
MAX_BASELINE_BYTES = 64 << 20


@dataclass(frozen=True)
class Trusted:
    """What the trusted revision says: the config mapping, where it came from, and the baseline."""

    config: dict[str, object]
    source: str
    # A temporary copy of the revision's baseline, when its config names one.
    baseline: Path | None
    # A temporary copy of the revision's Markdown files, when its config says ``packs: [auto]`` or
    # has ``checks``: the agent files that choose the rules, and the statements checks quote, must
    # not come from the change under review either.
    agents: Path | None = None
    # The commit the revision named: agent-rule links point into it.
    commit: str = ""
    # The distribution's name and top-level packages at the revision, which choose the root packages.
    layout: Layout | None = None


def read_trusted(root: Path, revision: str, config_name: str | None = None) -> Trusted:
    """The config (``config_name``, else ``.reviewbot.yml``, else ``[tool.reviewbot]`` in
    ``pyproject.toml``) and the baseline it names, as ``revision`` has them."""
    import git

    repo = git.Repo(root)
    commit = _commit(repo, revision)
    label = f"{revision[:12]}:"
    # The file the caller names, else the ones ``read_config`` would look for, in its order.
    names = [config_name] if config_name is not None else [CONFIG_FILE, "pyproject.toml"]
    config: dict[str, object] = {}
    # No config at the revision: the defaults, never the work tree's file.
    source = f"built-in defaults ({revision[:12]} has no config)"
    for name in names:
        text = _blob(repo, commit, name, MAX_CONFIG_BYTES)
        if text is None:
            if config_name is not None:
                raise ConfigError(f"{label}{name}: no such file at the trusted revision")
            continue
        if name.endswith(".toml"):
            table = read_pyproject_table(f"{label}{name}", text)
            if table is None:
                if config_name is not None:
                    raise ConfigError(f"{label}{name}: no [tool.reviewbot] table")
                continue  # a pyproject.toml that only mentions reviewbot, in a comment say
            config, source = table, f"{label}{name} [tool.reviewbot]"
        else:
            config, source = read_yaml_config(f"{label}{name}", text), f"{label}{name}"
        break
    # The baseline the trusted config names, from the same revision (copied: scans read a file).
    baseline = None
    value = config.get("baseline")
    if isinstance(value, str):
        text = _blob(repo, commit, value, MAX_BASELINE_BYTES)
        if text is None:
            raise ConfigError(f"{source}: baseline {value!r} is not a file at the trusted revision")
        directory = Path(tempfile.mkdtemp(prefix="reviewbot-trusted-"))
        # Read while the run reads its baseline; gone when the run ends.
        atexit.register(shutil.rmtree, directory, True)
        baseline = directory / "baseline.json"
        baseline.write_text(text, encoding="utf-8")
    # The agent files choose rules under ``packs: [auto]``, and checks quote the statements they enforce.
    agents = _markdown_files(repo, commit) if config.get("packs") == ["auto"] or "checks" in config else None
    return Trusted(config, source, baseline, agents, commit, _layout(repo, commit))


def _layout(repo: object, commit: str) -> Layout:
    """The root-package layout of ``commit``: its ``[project].name`` and top-level packages."""
    import git

    assert isinstance(repo, git.Repo)

    def entries(tree: str) -> list[tuple[str, str]]:
        # Kind and name of each entry of the commit's root or ``src/`` (none when there is no ``src``).
        listing = repo.git.ls_tree("-z", commit, "--", tree, stdout_as_string=False).decode("utf-8", "surrogateescape")
        return [(meta.split()[1], name) for meta, _, name in (entry.partition("\t") for entry in listing.split("\0") if entry)]

    def packages_in(directories: list[str]) -> dict[str, str]:
        # As in the work tree: packages by name, those under a src/ winning a clash.
        marked = repo.git.ls_tree("-z", "--name-only", commit, "--", *(f"{d}/__init__.py" for d in directories)) if directories else ""
        found = {}
        for init in sorted((PurePosixPath(name) for name in marked.split("\0") if name), key=lambda init: ("src" in init.parts, init)):
            found[init.parent.name] = str(init.parent)
        return found

    def name_of(directory: str) -> str | None:
        try:
            text = _blob(repo, commit, f"{directory}/pyproject.toml" if directory != "." else "pyproject.toml", MAX_CONFIG_BYTES)
        except ConfigError:
            text = None  # not a regular UTF-8 file there: no name, as in the work tree
        return project_name(text) if text is not None else None

    found = entries(".") + entries("src/")
    directories = [name for kind, name in found if kind == "tree" and not PurePosixPath(name).name.startswith(".")]
    packages = packages_in(directories)
    # Projects one directory down: a pyproject.toml or a Django manage.py there.
    first_level = [d for d in directories if "/" not in d and d not in SKIPPED_DIRECTORIES]
    markers = [f"{d}/{marker}" for d in first_level for marker in ("pyproject.toml", "manage.py")]
    marked = [PurePosixPath(name) for name in repo.git.ls_tree("-z", "--name-only", commit, "--", *markers).split("\0") if name] if markers else []
    subprojects = []
    # The dependency files of the root and of those projects, as in the work tree.
    listed = [name for _, name in entries(".")]
    for directory in sorted({str(path.parent) for path in marked}):
        inside = entries(f"{directory}/")
        subprojects.append((name_of(directory), PurePosixPath(directory, "manage.py") in marked, packages_in([n for k, n in inside + entries(f"{directory}/src/") if k == "tree"])))
        listed += [name for _, name in inside]
    listed += [name for directory in [n for n in listed if PurePosixPath(n).name == "requirements"] for _, name in entries(f"{directory}/")]
    texts: dict[str, list[str]] = {"pyproject": [], "requirements": []}
    for name in sorted(listed):
        path = PurePosixPath(name)
        wanted = path.name == "pyproject.toml" or (path.suffix == ".txt" and (path.name.startswith("requirements") or path.parent.name == "requirements"))
        try:
            text = _blob(repo, commit, name, MAX_CONFIG_BYTES) if wanted else None
        except ConfigError:
            text = None
        if text is not None:
            texts["pyproject" if path.name == "pyproject.toml" else "requirements"].append(text)
    top_level = frozenset(PurePosixPath(name).name.removesuffix(".py") for _, name in found)
    # Alembic's config at the root or one level down, as in the work tree.
    candidates = [ALEMBIC_INI, *(f"{d}/{ALEMBIC_INI}" for d in first_level)]
    migrations = []
    for name in sorted(filter(None, repo.git.ls_tree("-z", "--name-only", commit, "--", *candidates).split("\0"))):
        try:
            ini = _blob(repo, commit, name, MAX_CONFIG_BYTES)
        except ConfigError:
            ini = None
        if ini is not None:
            migrations += alembic_migrations(name, ini)
    dependencies = declared_imports(texts["pyproject"], texts["requirements"])
    return Layout(name_of("."), packages, top_level, tuple(migrations), dependencies, nested_roots(subprojects))


def _markdown_files(repo: object, commit: str) -> Path:
    """A temporary directory holding the regular ``.md``/``.mdc`` files of ``commit`` (agent files
    and the files they import), each at most the size an agent file may have."""
    from reviewbot.agents import MAX_AGENT_BYTES

    import git

    assert isinstance(repo, git.Repo)
    target = Path(tempfile.mkdtemp(prefix="reviewbot-trusted-agents-"))
    # Read while the settings are built; gone when the run ends.
    atexit.register(shutil.rmtree, target, True)
    listing = repo.git.ls_tree("-r", "-l", "-z", commit, stdout_as_string=False).decode("utf-8", "surrogateescape")
    for entry in listing.split("\0"):
        meta, _, name = entry.partition("\t")
        if not name.endswith((".md", ".mdc")):
            continue
        mode, kind, sha, size = meta.split()
        path = target / name
        if kind == "blob" and mode in ("100644", "100755") and int(size) <= MAX_AGENT_BYTES:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(repo.git.cat_file("blob", sha, stdout_as_string=False))
        elif kind == "blob" and mode == "120000":
            # ``CLAUDE.md -> docs/agents.md``: the same link here, when it stays inside the revision.
            link = repo.git.cat_file("blob", sha, stdout_as_string=False).decode("utf-8", "surrogateescape")
            inside = posixpath.normpath(posixpath.join(posixpath.dirname(name), link))
            if not link.startswith("/") and inside != ".." and not inside.startswith("../"):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.symlink_to(link)
    return target


def _commit(repo: object, revision: str) -> str:
    """The full hash of ``revision``, fetched first if a shallow clone lacks it."""
    import git

    assert isinstance(repo, git.Repo)
    for attempt in range(2):
        try:
            return str(repo.git.rev_parse("--verify", "--quiet", f"{revision}^{{commit}}"))
        except git.GitCommandError:
            if attempt:
                break
        # A shallow checkout (actions/checkout's default) has only the head.
        failed = fetch(repo, revision)
        if failed is not None:
            raise GitError(f"trusted revision {revision}: not in the clone and cannot be fetched: {failed}")
    raise GitError(f"trusted revision {revision}: not a commit of this repository")


def _blob(repo: object, commit: str, name: str, limit: int) -> str | None:
    """The text of the regular file ``name`` at ``commit``; ``None`` if there is none.

    A symbolic link or a submodule at that path is refused: only a regular file's own bytes count.
    """
    import git

    assert isinstance(repo, git.Repo)
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise ConfigError(f"{name}: must be a path inside the repository")
    listing = repo.git.ls_tree("-l", commit, "--", path.as_posix())
    if not listing:
        return None
    mode, kind, _, size = listing.split(None, 4)[:4]
    if kind != "blob" or mode not in ("100644", "100755"):
        raise ConfigError(f"{name}: not a regular file at the trusted revision")
    if int(size) > limit:
        raise ConfigError(f"{name}: {size} bytes, more than the {limit} a file of this kind may have")
    data: bytes = repo.git.show(f"{commit}:{path.as_posix()}", stdout_as_string=False)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: not UTF-8 at the trusted revision") from None
