"""What the benchmark and the accuracy study share: real projects from PyPI as git repositories."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path


def corpus(package: str, cache: Path) -> Path:
    """Download and unpack ``package`` (``name==version``) once; return the unpacked directory.

    A wheel is a zip of the package's source files: exactly what a repository would hold.
    """
    target = cache / package.replace("==", "-")
    if not target.is_dir():
        downloads = cache / "downloads"
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:", "-d", str(downloads), package]
        try:
            subprocess.run(command, check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            sys.exit(f"cannot download {package}: {error}")
        name = package.split("==")[0].replace("-", "_").lower()
        [wheel] = [w for w in downloads.glob("*.whl") if w.name.lower().startswith(name)]
        zipfile.ZipFile(wheel).extractall(target)
    return target


def git(repo: Path, *args: str) -> None:
    """Run git quietly in ``repo``."""
    try:
        subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args], cwd=repo, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"git {' '.join(args)} failed: {error}")
