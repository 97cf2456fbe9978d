"""The repository: where its root is, which Python files it has, which root packages it uses."""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import stat
import sys
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from reviewbot.config import MAX_CONFIG_BYTES, Settings, build_settings, read_config
from reviewbot.errors import ConfigError, GitError, UsageError
from reviewbot.files import SKIPPED_DIRECTORIES, read_text_file
from reviewbot.globs import Globs
from reviewbot.model import Project

# Alembic's config file, which names where its migration scripts are.
ALEMBIC_INI = "alembic.ini"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

# Top-level packages that are never root packages.
NOT_ROOTS = frozenset({"tests", "test", "testing", "docs", "doc", "examples"})


def find_root(start: Path) -> tuple[Path, bool]:
    """The repository root containing ``start`` and whether it is a git work tree.

    Without git, the nearest ancestor holding ``.reviewbot.yml`` or ``pyproject.toml`` is the
    root, else ``start`` itself.
    """
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory, True
    for directory in (start, *start.parents):
        if (directory / ".reviewbot.yml").is_file() or (directory / "pyproject.toml").is_file():
            return directory, False
    return start, False


def list_files(root: Path, is_git: bool, paths: list[Path], exclude: Globs) -> list[str]:
    """Repo-relative paths of the ``.py`` files to scan, sorted.

    In a git work tree: tracked and untracked-but-not-ignored files (``.gitignore`` honoured);
    otherwise a directory walk that skips hidden and virtualenv/build directories. Files named
    explicitly on the command line are scanned even if git ignores them; ``exclude`` always applies.
    """
    # Every target as a repo-relative path; the repository itself when none is given.
    targets = []
    for path in paths or [root]:
        try:
            resolved = path.resolve(strict=True)
        except FileNotFoundError:
            raise UsageError(f"{path}: no such file or directory") from None
        except (OSError, RuntimeError) as error:
            # A loop of symbolic links, or a path the system refuses.
            raise UsageError(f"{path}: cannot be resolved ({error})") from None
        if not resolved.exists():
            raise UsageError(f"{path}: no such file or directory")
        try:
            targets.append(resolved.relative_to(root).as_posix())
        except ValueError:
            raise UsageError(f"{path}: outside the repository at {root}") from None
    explicit = {target for target in targets if (root / target).is_file()}
    # Directories are expanded by git (or a walk); named files are taken as they are.
    if is_git:
        candidates = _git_files(root, [t for t in targets if t not in explicit])
    else:
        candidates = [f for t in targets if t not in explicit for f in _walk(root, t)]
    # Tracked files deleted from the work tree, submodules (listed as paths), directories named
    # ``x.py`` and links to files of the repository (their target is scanned as itself) are
    # dropped. Other links, FIFOs and devices stay: reading them reports RB001, never follows them.
    files = {f for f in candidates if f.endswith(".py") and _is_file_entry(root, f)}
    files |= {f for f in explicit if f.endswith(".py")}
    return sorted(f for f in files if not exclude.match(f))


def _is_file_entry(root: Path, name: str) -> bool:
    """Whether ``name`` is a file entry to scan or report: not a directory, and not a link to a
    regular file inside the repository (an alias of a file scanned under its own name)."""
    path = root / name
    try:
        mode = path.lstat().st_mode
    except OSError:
        return False  # tracked, but deleted from the work tree
    if not stat.S_ISLNK(mode):
        return not stat.S_ISDIR(mode)
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return True  # a dangling link or a loop: reading it says so (RB001)
    return not (target.is_relative_to(root.resolve()) and target.is_file())


def _git_files(root: Path, targets: list[str]) -> list[str]:
    """Tracked files plus untracked ones that ``.gitignore`` does not ignore, under ``targets``."""
    if not targets:
        return []
    try:
        import git  # deferred: GitPython is only needed when scanning a work tree
    except ImportError as error:  # GitPython refuses to import without a git executable
        raise GitError(f"{root} is a git repository but git cannot be run: {error}") from None
    try:
        listing = git.Repo(root).git.ls_files("-z", "--cached", "--others", "--exclude-standard", "--", *targets)
    except git.CommandError as error:
        raise GitError(f"git ls-files failed in {root}: {str(error.stderr).strip()}") from None
    return [entry for entry in listing.split("\0") if entry]


def is_tracked(root: Path, path: Path) -> bool:
    """Whether git tracks ``path`` (inside ``root``), anything under it, or anything at a directory
    on the way to it: git lists nothing behind a committed link or in a submodule, so ``path``
    alone would pass there whatever the commit holds."""
    import git

    name = path.relative_to(root).as_posix()
    parents = {parent.as_posix() for parent in PurePosixPath(name).parents} - {"."}
    # Literal: a name holding ``*`` or ``?`` is no pattern.
    specs = [f":(literal){spec}" for spec in (name, *sorted(parents))]
    try:
        listing = git.Repo(root).git.ls_files("-z", "--", *specs)
    except git.CommandError as error:
        raise GitError(f"git ls-files failed in {root}: {str(error.stderr).strip()}") from None
    # A parent's spec lists what is under it too: only the parent itself counts.
    entries = [entry for entry in listing.split("\0") if entry]
    if name == ".":
        return bool(entries)
    return any(entry in parents or entry == name or entry.startswith(f"{name}/") for entry in entries)


def _walk(root: Path, target: str) -> list[str]:
    """Every file under ``target`` without git, skipping hidden and environment directories."""
    found: list[str] = []
    for directory, subdirectories, files in os.walk(root / target if target != "." else root):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith(".") and d not in SKIPPED_DIRECTORIES)
        relative = Path(directory).relative_to(root).as_posix()
        found.extend(f if relative == "." else f"{relative}/{f}" for f in files)
    return found


def load_settings(
    root: Path,
    config_file: Path | None = None,
    *,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    fail_on: str | None = None,
) -> Settings:
    """The settings for the repository at ``root``: its config (or ``config_file``), the
    command line's overrides, and the root packages, which depend on the config's
    ``imports.roots``."""
    config, source = read_config(root, config_file)
    return settings_from(root, config, source, select=select, ignore=ignore, fail_on=fail_on)


@dataclass(frozen=True)
class Layout:
    """What decides the root packages: the distribution's name and the top-level names.

    Read from the work tree, or, with a trusted revision, from its git objects: a pull request
    must not rename the distribution (``name = "zzz"`` and an empty ``zzz/``) to switch RB102 off.
    """

    # ``[project].name`` as an import name (``shop-api`` -> ``shop_api``).
    name: str | None
    # Top-level packages (a directory holding ``__init__.py``) -> repo-relative directory.
    packages: dict[str, str]
    # Every top-level module and package name, at the root and under ``src/``.
    top_level: frozenset[str]
    # Globs of the Alembic migrations that ``alembic.ini`` files (at the root or one level down) name.
    migrations: tuple[str, ...] = ()


def settings_from(
    root: Path,
    config: dict[str, object],
    source: str,
    *,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    fail_on: str | None = None,
    agents_root: Path | None = None,
    layout: Layout | None = None,
) -> Settings:
    """The settings for a config mapping read from ``source`` (a file, or a trusted revision);
    ``packs: [auto]`` reads the agent files under ``agents_root`` (default: ``root``), and root
    packages come from ``layout`` (default: the work tree's)."""
    settings = build_settings(config, source, select=select, ignore=ignore, fail_on=fail_on, agents_root=agents_root or root)
    layout = layout or work_tree_layout(root)
    settings = replace(settings, project=detect_project(root, settings.options["imports.roots"], layout))
    if layout.migrations and settings.scope_defaults:
        # Alembic's migrations where its config says they are, beside the built-in places.
        scope = {**settings.scope, ALEMBIC_INI: layout.migrations}
        settings = replace(settings, scope=scope, test_paths=Globs([pattern for patterns in scope.values() for pattern in patterns]))
    return settings


def detect_project(root: Path, configured_roots: list[str], layout: Layout | None = None) -> Project:
    """Root packages (configured, else from ``[project].name``, else every top-level package)."""
    layout = layout or work_tree_layout(root)
    if configured_roots:
        roots = {name: _locate(root, name) for name in configured_roots}
    else:
        packages = layout.packages
        # The distribution's own package wins: other top-level packages are then tools or scripts.
        if layout.name in packages:
            packages = {layout.name: packages[layout.name]}
        roots = {name: path for name, path in packages.items() if name not in NOT_ROOTS and name.isidentifier()}
    return Project(roots=roots, inner=_inner_names(root, roots, layout.top_level))


def work_tree_layout(root: Path) -> Layout:
    """The layout as the work tree has it (flat layout and src/ layout)."""
    entries = [p for base in (root, root / "src") if base.is_dir() for p in sorted(base.iterdir())]
    packages = {p.name: p.relative_to(root).as_posix() for p in entries if _is_package(p)}
    migrations = []
    for ini in sorted([root / ALEMBIC_INI, *root.glob(f"*/{ALEMBIC_INI}")]):
        try:
            text = read_text_file(ini, MAX_CONFIG_BYTES, ALEMBIC_INI) if ini.is_file() and not ini.is_symlink() else None
        except ConfigError:
            text = None  # not a regular UTF-8 file: no migrations named, as at a trusted revision
        if text is not None:
            migrations += alembic_migrations(ini.relative_to(root).as_posix(), text)
    return Layout(_project_name(root), packages, frozenset(p.name.removesuffix(".py") for p in entries), tuple(migrations))


def alembic_migrations(name: str, text: str) -> list[str]:
    """The glob of the migration scripts an ``alembic.ini`` at repo path ``name`` names:
    ``script_location``'s ``versions/`` (``%(here)s`` is the file's directory; ``pkg.sub:dir``
    is a package path)."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
        location = parser.get("alembic", "script_location", fallback="").strip()
    except configparser.Error:
        return []
    here = PurePosixPath(name).parent
    if "%(here)s" in location:
        path = PurePosixPath(location.replace("%(here)s", here.as_posix()))
    else:
        # Alembic runs where its ini file is; ``pkg.sub:dir`` names a directory of a package.
        package, colon, directory = location.partition(":")
        path = here / (f"{package.replace('.', '/')}/{directory}" if colon else location)
    if not location or path.is_absolute() or ".." in path.parts:
        return []
    return [f"{path.as_posix()}/versions/**"]


def _locate(root: Path, name: str) -> str:
    """Where a configured root package lives (its name, if it is not on disk)."""
    for base in (root, root / "src"):
        if (base / name).is_dir():
            return (base / name).relative_to(root).as_posix()
    return name


def _is_package(path: Path) -> bool:
    """A regular package: a visible directory with ``__init__.py``."""
    return path.is_dir() and not path.name.startswith(".") and (path / "__init__.py").is_file()


def _project_name(root: Path) -> str | None:
    """``[project].name`` of the work tree's ``pyproject.toml``."""
    path = root / "pyproject.toml"
    try:
        # Bounded, a regular file, UTF-8: the work tree's pyproject.toml may be a hostile one.
        return project_name(read_text_file(path, MAX_CONFIG_BYTES, "pyproject.toml")) if path.exists() or path.is_symlink() else None
    except ConfigError:
        return None


def project_name(text: str) -> str | None:
    """``[project].name`` of a ``pyproject.toml``, normalised to an import name; ``None`` if unreadable."""
    try:
        document = tomllib.loads(text)
    except (RecursionError, ValueError):
        return None
    project = document.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    return re.sub(r"[-_.]+", "_", name).lower() if isinstance(name, str) else None


def _inner_names(root: Path, roots: dict[str, str], top_level: frozenset[str]) -> dict[str, str]:
    """Modules and packages directly inside a root that are not importable on their own.

    A name that is also a top-level module, a standard-library module or importable in the
    environment reviewbot runs in (an installed distribution) is importable under that name, so
    it is never listed.
    """
    inner: dict[str, str] = {}
    for name, directory in sorted(roots.items()):
        path = root / directory
        if not path.is_dir():
            continue
        for child in sorted(path.iterdir()):
            # Dunder modules (``__main__``) are never imported by a bare name.
            module = child.name.removesuffix(".py")
            if (child.suffix == ".py" or _is_package(child)) and module.isidentifier() and not module.startswith("__"):
                inner.setdefault(module, name)
    candidates = {
        module: name
        for module, name in inner.items()
        if module not in top_level and module not in sys.stdlib_module_names and module not in roots
    }
    # Importable where reviewbot runs (an installed distribution, say): a finder answers without
    # importing anything, far faster than listing every installed distribution.
    return {module: name for module, name in candidates.items() if not _importable(module)}


def _importable(module: str) -> bool:
    """Whether a top-level ``module`` can be imported in this environment (nothing is imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return True
