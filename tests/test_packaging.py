"""The wheel carries the rule packs, so an install outside the source tree still finds them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_the_packs_and_works_outside_the_source_tree(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", ".*cache"))
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(source)],
        check=True,
        capture_output=True,
    )
    [wheel] = wheels.glob("reviewbot-*.whl")
    assert "reviewbot/rules/backend-engineer.yml" in zipfile.ZipFile(wheel).namelist()

    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The unpacked wheel comes first on sys.path, ahead of any development install.
    program = (
        "import sys; sys.path.insert(0, sys.argv[1]); import reviewbot.packs as p, reviewbot.cli as cli; "
        "assert p.__file__.startswith(sys.argv[1]), p.__file__; "
        "print(p.pack_directory()); sys.exit(cli.main(['explain', 'RB101']))"
    )
    process = subprocess.run([sys.executable, "-c", program, str(installed)], cwd=elsewhere, capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    assert process.stdout.splitlines()[0] == str(installed / "reviewbot" / "rules")
    assert 'Agent rule: "Use absolute imports with @ alias for all internal modules"' in process.stdout
