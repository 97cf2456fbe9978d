"""The repository: where its root is, which Python files it has, which root packages it uses."""

from __future__ import annotations

import configparser
import os
import re
import stat
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from reviewbot.config import MAX_CONFIG_BYTES, Settings, build_settings, read_config, scope_globs
from reviewbot.errors import ConfigError, UsageError
from reviewbot.files import SKIPPED_DIRECTORIES, read_text_file
from reviewbot.gitcli import find_root as find_root
from reviewbot.gitcli import LISTING, git_output
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
    return [os.fsdecode(entry) for entry in git_output(root, *LISTING, *targets).split(b"\0") if entry]


def _ls_files(root: Path, *args: str) -> list[str]:
    """``git ls-files -z ARGS`` in ``root``, as names."""
    return [os.fsdecode(entry) for entry in git_output(root, "ls-files", "-z", *args).split(b"\0") if entry]


def is_tracked(root: Path, path: Path) -> bool:
    """Whether git tracks ``path`` (inside ``root``), anything under it, or anything at a directory
    on the way to it: git lists nothing behind a committed link or in a submodule, so ``path``
    alone would pass there whatever the commit holds."""
    name = path.relative_to(root).as_posix()
    parents = {parent.as_posix() for parent in PurePosixPath(name).parents} - {"."}
    # Literal: a name holding ``*`` or ``?`` is no pattern.
    specs = [f":(literal){spec}" for spec in (name, *sorted(parents))]
    # A parent's spec lists what is under it too: only the parent itself counts.
    entries = _ls_files(root, "--", *specs)
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
    # Top-level import names the declared dependencies provide (``pyproject.toml``, Poetry,
    # ``requirements*.txt``): third-party, whatever the repository's own directories are called.
    dependencies: frozenset[str] = frozenset()
    # Root packages of projects one directory down (``server/pyproject.toml`` naming ``server/polar``;
    # a Django ``site/manage.py`` beside its apps), for a repository whose root names none.
    nested: dict[str, str] = field(default_factory=dict)


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
        settings = replace(settings, scope=scope, test_paths=scope_globs(scope))
    return settings


def detect_project(root: Path, configured_roots: list[str], layout: Layout | None = None) -> Project:
    """Root packages (configured, else from ``[project].name``, else every top-level package)."""
    layout = layout or work_tree_layout(root)
    if configured_roots:
        # A name (``shop_api``), or a path to the package (``server/polar``).
        roots = {PurePosixPath(name).name: name.strip("/") if "/" in name else _locate(root, name) for name in configured_roots}
    else:
        packages = layout.packages
        # The distribution's own package wins: other top-level packages are then tools or scripts.
        if layout.name in packages:
            packages = {layout.name: packages[layout.name]}
        # A repository whose own projects live one directory down: theirs too.
        elif layout.nested:
            packages = {**packages, **layout.nested}
        roots = {name: path for name, path in packages.items() if name not in NOT_ROOTS and name.isidentifier()}
    return Project(roots=roots, inner=_inner_names(root, roots, layout.top_level | layout.dependencies))


def work_tree_layout(root: Path) -> Layout:
    """The layout as the work tree has it (flat layout and src/ layout, projects one directory
    down, dependency files, Alembic's config). Links are never followed, and a directory that
    cannot be read (another user's volume) is passed over."""
    entries = [p for base in (root, root / "src") for p in _listing(base)]
    packages = {p.name: p.relative_to(root).as_posix() for p in entries if _is_package(p)}
    # The first level's own directories: no link, nothing hidden, no virtual environment.
    first_level = [p for p in _listing(root) if _is_directory(p) and not p.name.startswith(".") and p.name not in SKIPPED_DIRECTORIES]
    migrations = []
    for directory in [root, *first_level]:
        text = _regular_text(directory / ALEMBIC_INI)
        if text is not None:
            migrations += alembic_migrations((directory / ALEMBIC_INI).relative_to(root).as_posix(), text)
    # Each project's pyproject.toml, read once: the root's, and those of projects one level down.
    pyprojects = {root: _regular_text(root / "pyproject.toml")}
    subprojects = []
    for directory in first_level:
        pyproject, django = _regular_text(directory / "pyproject.toml"), _is_file(directory / "manage.py")
        if pyproject is not None or django:
            inside = [p for base in (directory, directory / "src") for p in _listing(base)]
            name = project_name(pyproject) if pyproject is not None else None
            subprojects.append((name, django, {p.name: p.relative_to(root).as_posix() for p in inside if _is_package(p)}))
            pyprojects[directory] = pyproject
    # What those projects' dependency files declare.
    requirements = []
    for directory in pyprojects:
        listed = _listing(directory)
        wanted = [p for p in listed if p.name.startswith("requirements") and p.suffix == ".txt"]
        wanted += [p for d in listed if d.name == "requirements" and _is_directory(d) for p in _listing(d) if p.suffix == ".txt"]
        requirements += [text for text in map(_regular_text, wanted) if text is not None]
    top_level = frozenset(p.name.removesuffix(".py") for p in entries)
    dependencies = declared_imports([text for text in pyprojects.values() if text is not None], requirements)
    own = pyprojects[root]
    return Layout(project_name(own) if own is not None else None, packages, top_level, tuple(migrations), dependencies, nested_roots(subprojects))


def _listing(directory: Path) -> list[Path]:
    """A directory's entries, sorted; none when it is no directory, a link, or cannot be read."""
    try:
        return sorted(directory.iterdir()) if _is_directory(directory) else []
    except OSError:
        return []


def _is_directory(path: Path) -> bool:
    """A directory that is no link; ``False`` when it cannot be looked at."""
    try:
        return path.is_dir() and not path.is_symlink()
    except OSError:
        return False


def _is_file(path: Path) -> bool:
    """A regular file that is no link; ``False`` when it cannot be looked at."""
    try:
        return path.is_file() and not path.is_symlink()
    except OSError:
        return False


def _regular_text(path: Path) -> str | None:
    """A regular UTF-8 file's text, bounded; ``None`` for anything else (a link, a directory, none)."""
    try:
        return read_text_file(path, MAX_CONFIG_BYTES, path.name) if _is_file(path) else None
    except ConfigError:
        return None


def nested_roots(subprojects: list[tuple[str | None, bool, dict[str, str]]]) -> dict[str, str]:
    """The root packages of projects one directory down, each given as (its ``pyproject.toml``'s
    name, whether it holds a Django ``manage.py``, its packages): the package the project names;
    beside a ``manage.py``, every package (Django apps are imported as top-level packages)."""
    roots: dict[str, str] = {}
    for name, django, packages in subprojects:
        if django:
            roots.update((package, path) for package, path in packages.items() if package not in NOT_ROOTS)
        elif name in packages:
            roots[name] = packages[name]
    return roots


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
    try:
        return path.is_dir() and not path.name.startswith(".") and (path / "__init__.py").is_file()
    except OSError:
        return False


def project_name(text: str) -> str | None:
    """``[project].name`` (else ``[tool.poetry].name``) of a ``pyproject.toml``, normalised to an
    import name; ``None`` if unreadable."""
    try:
        document = tomllib.loads(text)
    except (RecursionError, ValueError):
        return None
    project = document.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    if name is None:
        # Poetry's own table, where a project has no [project] table.
        tool = document.get("tool")
        poetry = tool.get("poetry") if isinstance(tool, dict) else None
        name = poetry.get("name") if isinstance(poetry, dict) else None
    return re.sub(r"[-_.]+", "_", name).lower() if isinstance(name, str) else None


def _inner_names(root: Path, roots: dict[str, str], top_level: frozenset[str]) -> dict[str, str]:
    """Modules and packages directly inside a root that are not importable on their own.

    A name that is also a top-level module, a standard-library module or a declared dependency's
    import name (in ``top_level``) is importable under that name, so it is never listed.
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
    # Never by what is installed where reviewbot runs: the answer must not depend on the machine.
    return {module: name for module, name in inner.items() if module not in top_level and module not in sys.stdlib_module_names and module not in roots}


# Distributions whose import name is not their normalised name.
IMPORT_NAMES = {
    "graphql_core": "graphql", "pyyaml": "yaml", "beautifulsoup4": "bs4", "pillow": "PIL", "python_dateutil": "dateutil",
    "scikit_learn": "sklearn", "opencv_python": "cv2", "opencv_python_headless": "cv2", "pyjwt": "jwt", "python_jose": "jose",
    "attrs": "attr", "protobuf": "google", "psycopg2_binary": "psycopg2", "psycopg_binary": "psycopg", "djangorestframework": "rest_framework",
    "djangorestframework_simplejwt": "rest_framework_simplejwt", "python_dotenv": "dotenv", "pyopenssl": "OpenSSL", "pycryptodome": "Crypto",
    "python_magic": "magic", "django_filter": "django_filters", "django_environ": "environ", "python_multipart": "multipart", "pyzmq": "zmq",
    "pygithub": "github", "gitpython": "git", "grpcio": "grpc", "opensearch_py": "opensearchpy", "python_slugify": "slugify",
    "google_cloud_storage": "google", "google_api_python_client": "googleapiclient", "msgpack_python": "msgpack", "pyserial": "serial",
    "typing_extensions": "typing_extensions", "ruamel_yaml": "ruamel", "python_json_logger": "pythonjsonlogger", "elastic_apm": "elasticapm",
}
# A requirement's distribution name: what comes before a version, marker, extra or URL.
REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _table(document: dict[str, Any], key: str) -> dict[str, Any]:
    """``document[key]`` when it is a TOML table, else an empty one."""
    value = document.get(key)
    return value if isinstance(value, dict) else {}


def _strings(value: object) -> list[str]:
    """The strings of a TOML array; nothing for anything else (a hostile file's ``dependencies = 5``)."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def declared_imports(pyprojects: list[str], requirements: list[str]) -> frozenset[str]:
    """The top-level import names of the dependencies that ``pyproject.toml`` texts (PEP 621,
    dependency groups, Poetry) and ``requirements*.txt`` texts declare."""
    names: list[str] = []
    for text in pyprojects:
        try:
            document = tomllib.loads(text)
        except (RecursionError, ValueError):
            continue
        project = _table(document, "project")
        names += _strings(project.get("dependencies"))
        for groups in (_table(project, "optional-dependencies"), _table(document, "dependency-groups")):
            names += [d for group in groups.values() for d in _strings(group)]
        poetry = _table(_table(document, "tool"), "poetry")
        tables = [_table(poetry, "dependencies"), _table(poetry, "dev-dependencies")]
        tables += [_table(group, "dependencies") for group in _table(poetry, "group").values() if isinstance(group, dict)]
        names += [name for table in tables for name in table if name != "python"]
    for text in requirements:
        # Options (-r, -e, --hash), comments and bare URLs name no distribution; ``name @ url`` does.
        names += [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith(("#", "-")) and ("://" not in line or " @ " in line)]
    found = set()
    for requirement in names:
        match = REQUIREMENT.match(requirement)
        if match:
            normal = re.sub(r"[-_.]+", "_", match[1]).lower()
            found.add(IMPORT_NAMES.get(normal, normal))
            # ``python-gitlab`` is ``gitlab``, as ``python-dateutil`` is ``dateutil``: the usual spelling.
            if normal.startswith("python_") and normal not in IMPORT_NAMES:
                found.add(normal.removeprefix("python_"))
    return frozenset(found)


@dataclass(frozen=True)
class Ruff:
    """What a repository's Ruff configuration says (``ruff.toml`` wins over ``pyproject.toml``, as
    in Ruff). Per-file ignores are left out: they speak of some files only."""

    # ``select`` and ``extend-select``; ``ignore`` and ``extend-ignore``.
    selected: frozenset[str] = frozenset()
    ignored: frozenset[str] = frozenset()
    # Whether it chose its own list (``select``), rather than adding to Ruff's defaults.
    chosen: bool = False
    # ``flake8-tidy-imports.ban-relative-imports`` (TID252): ``parents`` (Ruff's default) or ``all``.
    ban_relative_imports: str = "parents"


def ruff_config(pyproject: str | None, ruff_toml: str | None) -> Ruff:
    """The Ruff configuration of ``ruff.toml`` (or ``.ruff.toml``) text, else of ``pyproject.toml``'s ``[tool.ruff]``."""
    tables: list[dict[str, Any]] = []
    for text, inside_tool in ((ruff_toml, False), (pyproject, True)):
        if text is None:
            continue
        try:
            document = tomllib.loads(text)
        except (RecursionError, ValueError):
            continue
        ruff = _table(_table(document, "tool"), "ruff") if inside_tool else document
        if ruff:
            tables = [ruff, _table(ruff, "lint")]
            break
    selected: set[str] = set()
    ignored: set[str] = set()
    ban = "parents"
    for table in tables:
        for key, found in (("select", selected), ("extend-select", selected), ("ignore", ignored), ("extend-ignore", ignored)):
            value = table.get(key)
            if isinstance(value, list):
                found.update(code.strip().upper() for code in value if isinstance(code, str) and code.strip())
        value = _table(table, "flake8-tidy-imports").get("ban-relative-imports")
        if isinstance(value, str):
            ban = value
    return Ruff(frozenset(selected), frozenset(ignored), any(isinstance(table.get("select"), list) for table in tables), ban)
