"""LibCST is imported when a file is parsed, never by a scan that answers from the cache."""

from __future__ import annotations

import sys
import types

from reviewbot.lazy import LazyModule
from tests.conftest import make_repo, run_reviewbot

FILES = {
    "app/__init__.py": "",
    "app/orders.py": '"""Orders."""\nfrom .models import Order\n\n\ndef reset(orders):\n    return orders\n',
    "app/models.py": '"""Models."""\n\n\nclass Order:\n    """An order."""\n',
}


def imported(stderr: str) -> set[str]:
    """The modules ``python -X importtime`` says were imported (its lines on standard error)."""
    return {line.rpartition("|")[2].strip() for line in stderr.splitlines() if line.startswith("import time:")}


def test_a_lazy_module_is_imported_on_the_first_read_and_then_is_the_module():
    lazy = LazyModule("colorsys")
    sys.modules.pop("colorsys", None)
    assert "colorsys" not in sys.modules
    assert lazy.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert "colorsys" in sys.modules and type(lazy) is types.ModuleType
    assert lazy.hsv_to_rgb is sys.modules["colorsys"].hsv_to_rgb


def test_a_scan_that_answers_from_the_cache_imports_no_libcst(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)
    env = {"PYTHONPROFILEIMPORTTIME": "1"}
    cold = run_reviewbot(root, "scan", "--jobs", "1", env=env)
    warm = run_reviewbot(root, "scan", "--jobs", "1", env=env)
    assert cold.code == warm.code == 1 and cold.stdout == warm.stdout and "RB101" in warm.stdout
    # The cold scan's worker parsed with LibCST; the warm scan never needed it.
    assert "libcst" in imported(cold.stderr)
    assert not {name for name in imported(warm.stderr) if name.startswith("libcst")}
    assert "reviewbot.checks" in imported(warm.stderr)
