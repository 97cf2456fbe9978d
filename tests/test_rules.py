"""Table-driven good/bad cases for every rule family, beyond the examples the rules document."""

from __future__ import annotations

import pytest

from tests.conftest import escaping, lines_of, scan

# (rule, code, expected lines, path)
CASES = [
    # --- RB101 relative imports ---------------------------------------------------------------
    ("RB101", "from . import a, b\n", [1], "app/x.py"),
    ("RB101", "if True:\n    from .m import (\n        a,\n    )\n", [2], "app/x.py"),
    ("RB101", "from .m import a  # reviewbot: ignore[RB101]\n", [], "app/x.py"),
    ("RB101", "from .m import a  # noqa: E501, RB101\n", [], "app/x.py"),
    ("RB101", "from .m import a  # noqa: E501\n", [1], "app/x.py"),
    ("RB101", "import app.m\nfrom app import m\n", [], "app/x.py"),
    # --- RB102 non-root internal imports ----------------------------------------------------------
    ("RB102", "from services import cache\n", [1], "app/x.py"),
    ("RB102", "import os.path, services\n", [1], "app/x.py"),
    ("RB102", "from src.app.services import cache\n", [1], "app/x.py"),
    ("RB102", "import src\nimport app.services\nfrom requests import get\n", [], "app/x.py"),
    ("RB102", "def lazy():\n    import services.cache\n", [2], "app/x.py"),
    # --- RB301/RB302: the implementation of overloads takes its signatures from them --------------
    ("RB301", "from typing import overload\n\n@overload\ndef f(a: int) -> int: ...\n@overload\ndef f(a: str) -> str: ...\ndef f(a):\n    return a\ndef g(a):\n    return a\n", [9], "app/x.py"),
    ("RB302", "from typing import overload\n\nclass K:\n    @overload\n    def f(self, a: int) -> int: ...\n    def f(self, a):\n        return a\n\ndef f(a: int):\n    return a\n", [9], "app/x.py"),
    # --- RB103 sys.path --------------------------------------------------------------------------
    ("RB103", "import sys\nsys.path.extend(['a'])\nsys.path = []\nsys.path[:] = ['b']\n", [2, 4], "app/x.py"),
    ("RB103", "import sys\nfrom pathlib import Path\nsys.path.insert(0, str(Path.cwd()))\nsys.path.insert(0, options.pythonpath)\n", [3], "app/x.py"),
    ("RB103", "import sys\nclass K:\n    @staticmethod\n    def boot() -> None:\n        sys.path.append('x')\n", [5], "app/x.py"),
    ("RB103", "path = []\npath.append('x')\n", [], "app/x.py"),
    ("RB103", "import sys\nsys.path.insert(0, '.')\n", [], "tests/test_x.py"),
    # --- RB201 unguarded external calls -------------------------------------------------------------
    ("calls", "import subprocess\n\nclass Runner:\n    def run(self) -> None:\n        subprocess.run(['ls'], check=True)\n", [5], "app/x.py"),
    ("calls", "import subprocess\n\nclass Runner:\n    @classmethod\n    def run(cls) -> None:\n        try:\n            subprocess.run(['ls'])\n        except OSError:\n            raise\n", [], "app/x.py"),
    ("calls", "import httpx\n\nasync def get() -> None:\n    try:\n        await httpx.get('u')\n    except httpx.HTTPError:\n        pass\n    else:\n        httpx.post('u')\n", [9], "app/x.py"),
    # A function nested in another is not followed: its callers cannot be known without running the code.
    ("calls", "import subprocess\n\ndef outer() -> None:\n    try:\n        def inner() -> None:\n            subprocess.check_call(['ls'])\n    except OSError:\n        pass\n", [], "app/x.py"),
    # Through a shell a failing command is a return code: nothing to catch.
    ("calls", "import os\n\nos.system('ls')\n", [], "app/x.py"),
    ("calls", "import psycopg2\ntry:\n    pass\nexcept Exception:\n    psycopg2.connect('db')\n", [5], "app/x.py"),
    ("calls", "import smtplib\ntry:\n    smtplib.SMTP_SSL('host')\nexcept smtplib.SMTPException:\n    raise\n", [], "app/x.py"),
    ("calls", "import smtplib\nsmtplib.SMTP_SSL('host')\n", [2], "app/x.py"),
    ("calls", "import backoff, requests\n\n@backoff.on_exception(backoff.expo, requests.RequestException)\ndef f() -> None:\n    requests.get('u', timeout=1)\n", [], "app/x.py"),
    ("calls", "import requests\n\ndef f() -> None:\n    requests.get(\n        'u',\n        timeout=1,\n    )  # reviewbot: ignore[RB201]\n", [4], "app/x.py"),
    ("calls", "import requests\n\ndef f() -> None:\n    x = requests.get(  # reviewbot: ignore[RB201]\n        'u',\n        timeout=1,\n    )\n", [4], "app/x.py"),
    ("calls", "import requests\nrequests.get('u', timeout=1)\n", [], "tests/test_api.py"),
    # A client's I/O method is an external call; building the client is not.
    ("calls", "import requests\nsession = requests.Session()\nsession.get('u', timeout=1)\n", [3], "app/x.py"),
    ("calls", "from boto3 import client as make\nmake('s3')\n", [], "app/x.py"),
    # --- RB202-RB204 handlers --------------------------------------------------------------------
    ("RB202", "try:\n    pass\nexcept:  # reviewbot: ignore[RB202]\n    raise\n", [], "app/x.py"),
    ("RB203", "try:\n    pass\nexcept:\n    ...\n", [3], "app/x.py"),
    ("RB203", "try:\n    pass\nexcept ValueError:\n    pass\n", [], "app/x.py"),
    ("RB203", "try:\n    pass\nexcept Exception: pass\n", [3], "app/x.py"),
    ("RB204", "try:\n    pass\nexcept (OSError, Exception):\n    value = 1\n", [3], "app/x.py"),
    ("RB204", "try:\n    pass\nexcept Exception:\n    logger.error('failed')\n", [], "app/x.py"),
    ("RB204", "import logging\ntry:\n    pass\nexcept BaseException:\n    logging.info('failed')\n", [], "app/x.py"),
    ("RB204", "try:\n    pass\nexcept Exception as exc:\n    def later() -> None:\n        raise\n", [3], "app/x.py"),
    ("RB204", "try:\n    pass\nexcept Exception:\n    pass\n", [], "app/x.py"),
    # --- RB205 timeouts --------------------------------------------------------------------------
    ("RB205", "import requests as r\ntry:\n    r.post('u', json={}, **options)\nexcept Exception:\n    raise\n", [], "app/x.py"),
    ("RB205", "import requests as r\ntry:\n    r.post('u', timeout=None)\nexcept Exception:\n    raise\n", [3], "app/x.py"),
    ("RB205", "from urllib.request import urlopen\ntry:\n    urlopen('u', None, 5)\nexcept OSError:\n    raise\n", [], "app/x.py"),
    # Tests call local servers: RB205 does not apply there.
    ("RB205", "import requests\nrequests.get('u')\n", [], "tests/test_api.py"),
    ("RB205", "import requests\nrequests.get('u')\n", [2], "app/x.py"),
    # --- RB301/RB302 annotations -------------------------------------------------------------------
    ("RB301", "class K:\n    def m(self, a, /, b: int, *, c) -> None:\n        pass\n", [2, 2], "app/x.py"),
    ("RB301", "def f(*, a) -> None:\n    def inner(b) -> None:\n        pass\n", [1, 2], "app/x.py"),
    ("RB301", "class K:\n    @staticmethod\n    def m(self) -> None:\n        pass\n", [3], "app/x.py"),
    ("RB301", "def f(a):  # reviewbot: ignore[RB301, RB302]\n    pass\n", [], "app/x.py"),
    ("RB301", "def f(\n    a,\n    b,\n) -> None:  # noqa: RB301\n    pass\n", [2, 3], "app/x.py"),
    ("RB302", "import abc\nclass K(abc.ABC):\n    @abc.abstractmethod\n    def m(self):\n        pass\n", [4], "app/x.py"),
    ("RB302", "@decorator\nasync def f():\n    return 1\n", [2], "app/x.py"),
    ("RB302", "def f():\n    pass\n", [], "tests/test_x.py"),
    ("RB303", "import typing\nclass K:\n    def m(self, a: typing.Any) -> None:\n        pass\n", [3], "app/x.py"),
    ("RB303", "from typing_extensions import Any as Anything\ndef f(a: 'Any', b: Anything) -> None:\n    pass\n", [2], "app/x.py"),
    ("RB303", "from typing import Any\nclass _K:\n    def m(self, a: Any) -> None:\n        pass\n", [], "app/x.py"),
    ("RB303", "from typing import Any\ndef f() -> None:\n    def g(a: Any) -> None:\n        pass\n", [], "app/x.py"),
    ("RB303", "from other import Any\ndef f(a: Any) -> None:\n    pass\n", [], "app/x.py"),
    # --- RB401-RB404 comments ------------------------------------------------------------------
    ("RB401", "", [], "app/__init__.py"),
    ("RB401", "# just a comment\n", [], "app/__init__.py"),
    ("RB401", "x = 1\n", [], "app/_private.py"),
    ("RB401", '"""M."""\nclass _K:\n    def m(self) -> None:\n        pass\n', [], "app/x.py"),
    ("RB401", '"""M."""\nfrom typing import overload\n@overload\ndef f(a: int) -> int: ...\n', [], "app/x.py"),
    ("RB401", '"""M."""\ndef f() -> None:\n    """Doc."""\n    def inner() -> None:\n        pass\n', [], "app/x.py"),
    ("RB401", '"""M."""\nclass K:\n    """Doc."""\n    def __eq__(self, o: object) -> bool:\n        return True\n', [], "app/x.py"),
    ("RB401", '"""M."""\nclass K:\n    def __init__(self) -> None:\n        """Doc."""\n', [2], "app/x.py"),
    ("RB401", "def f() -> None:\n    pass\n", [], "tests/test_x.py"),
    ("RB402", "def f() -> None:\n" + "    x = 1\n" * 24, [], "app/x.py"),
    ("RB402", "def f() -> None:\n" + "    x = 1  # why\n" * 4 + "    x = 1\n" * 25, [], "app/x.py"),
    ("RB402", "def f() -> None:\n" + "    x = 1  # why\n" + "    x = 1\n" * 25, [1], "app/x.py"),
    # A nested function's lines are its own: the outer function has 2 code lines, the inner 26.
    ("RB402", "def outer() -> None:\n    def inner() -> None:\n" + "        x = 1\n" * 26 + "    inner()\n", [2], "app/x.py"),
    # Lines inside a multi-line string or a table of constants are data; code around them still counts.
    ("RB402", 'def usage() -> str:\n    text = """\n' + "line\n" * 20 + '"""\n    return text\n', [], "app/x.py"),
    ("RB402", "def rows() -> list:\n    table = [\n" + "        (1, 'a'),\n" * 30 + "    ]\n" + "    x = 1\n" * 24, [1], "app/x.py"),
    ("RB402", "def rows() -> list:\n    table = [\n" + "        (1, 'a'),\n" * 30 + "    ]\n" + "    x = 1\n" * 22, [], "app/x.py"),
    ("RB402", "def rows() -> list:\n    table = [\n" + "        (1, name),\n" * 30 + "    ]\n", [1], "app/x.py"),
    ("RB403", "def f(a: int) -> int:\n    return [x for x in range(a) if x if x for y in 'ab' if y][0] if a else (1 if a else 2) if a else 3\n", [], "app/x.py"),
    ("RB403", "def f(a: int) -> int:\n    if a and a or a:\n        return 1\n    return 2\n", [], "app/x.py"),
    ("RB404", '"""M."""\nA = 1\n"""Doc of A."""\nB: int = 2  # doc\nlower = 3\nC, D = 1, 2\n', [6], "app/x.py"),
    ("RB404", '"""M."""\n\ndef f() -> None:\n    LOCAL = 1\n', [], "app/x.py"),
    ("RB404", '# reviewbot: ignore-file[RB404]\n"""M."""\nA = 1\n', [], "app/x.py"),
    # A comment heading a run of assignments documents the run; a trailing comment only its line
    # and the line below (the spec's "line directly above").
    ("RB404", '"""M."""\n# Codes.\nA = 1\nb = 2\nC = 3\n\nD = 4\n', [7], "app/x.py"),
    ("RB404", '"""M."""\nA = 1  # one\nB = 2\nC = 3\n', [4], "app/x.py"),
    # Private names, type declarations and switches are not constants to explain.
    ("RB404", '"""M."""\nimport typing\n\n_SENTINEL = object()\n\nT = typing.TypeVar("T")\n', [], "app/x.py"),
    ("RB404", '"""M."""\nFAST = True\ntry:\n    import fast\nexcept ImportError:\n    FAST = False\n\nLIMIT = 3\n', [8], "app/x.py"),
]


@pytest.mark.parametrize(("rule", "code", "expected", "path"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_case(rule, code, expected, path):
    # The rule under test runs even if its pack leaves it off by default; ``calls``: the external
    # calls whose failure escapes their function (RB201's facts).
    if rule == "calls":
        assert escaping(code, path) == expected
    else:
        assert lines_of(scan(code, path, config={"extend-select": [rule]}), rule) == expected


def test_complexity_counts_every_decision_point():
    # 1 + if + elif + for + while + except + 2 cases + ifexp + comprehension for + comprehension if = 11
    code = (
        "def f(a: int) -> int:\n"
        "    if a:\n        pass\n    elif a:\n        pass\n"
        "    for i in a:\n        pass\n"
        "    while a:\n        pass\n"
        "    try:\n        pass\n    except ValueError:\n        pass\n"
        "    match a:\n        case 1:\n            pass\n        case _:\n            pass\n"
        "    b = 1 if a else 2\n"
        "    return [x for x in a if x]\n"
    )
    findings = scan(code, config={"comments": {"max-silent-complexity": 11}})
    assert [f.message for f in findings if f.rule == "RB403"] == ["function `f` has complexity 11 and no comment: say why its branches are there"]
    assert lines_of(scan(code, config={"comments": {"max-silent-complexity": 12}}), "RB403") == []


def test_density_message_reports_the_measured_ratio():
    code = 'def f() -> None:\n    """Doc."""\n' + "    x = 1\n" * 25
    [finding] = [f for f in scan(code, config={"extend-select": ["RB402"]}) if f.rule == "RB402"]
    assert finding.message == (
        "function `f` has 1 comment/docstring lines for 25 code lines (density 0.040 < 0.15): add about 3 comment lines explaining its steps"
    )
    code = 'def f() -> None:\n    """Doc."""\n    # Step one.\n    # Step two.\n' + "    x = 1\n" * 25
    [finding] = [f for f in scan(code, config={"extend-select": ["RB402"]}) if f.rule == "RB402"]
    assert finding.message.endswith("(density 0.120 < 0.15): add about 1 comment line explaining its steps")


def test_swallow_any_type_option_flags_narrow_handlers():
    code = "try:\n    pass\nexcept KeyError:\n    pass\n"
    assert lines_of(scan(code), "RB203") == []
    assert lines_of(scan(code, config={"errors": {"swallow-any-type": True}}), "RB203") == [3]


def test_external_calls_can_be_extended_and_replaced():
    code = "import stripe\nimport requests\nstripe.Charge.create(amount=1)\nrequests.get('u', timeout=1)\n"
    assert escaping(code) == [4]
    assert escaping(code, config={"errors": {"extend-external-calls": ["stripe.*.create"]}}) == [3, 4]
    assert escaping(code, config={"errors": {"external-calls": ["stripe.Charge.*"]}}) == [3]


def test_guard_decorators_are_configurable():
    code = "import requests\nfrom app.retry import again\n\n@again(times=3)\ndef f() -> None:\n    requests.get('u', timeout=1)\n"
    assert escaping(code) == [6]
    assert escaping(code, config={"errors": {"extend-guard-decorators": ["app.retry.again"]}}) == []


def test_findings_carry_the_agent_quote_and_pack_severity():
    [finding] = [f for f in scan("from . import x\n") if f.rule == "RB101"]
    assert finding.quote == "Use absolute imports with @ alias for all internal modules"
    assert finding.severity.label == "error"
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (1, 1, 1, 16)


def test_unused_suppressions_are_reported_per_code():
    code = '"""M."""\nfrom .m import a  # reviewbot: ignore[RB101, RB205]\nimport os  # reviewbot: ignore\n'
    findings = scan(code)
    messages = [(f.line, f.message) for f in findings if f.rule == "RB003"]
    assert messages == [
        (2, "suppression of RB205 suppressed nothing"),
        (3, "suppression comment suppressed nothing"),
    ]


def test_a_comment_that_quotes_the_syntax_is_not_a_directive():
    code = '"""M."""\n\n# Write `# reviewbot: ignore[RB101]` or `# noqa: RB101` to silence it.\nfrom . import x\n'
    assert [f.rule for f in scan(code)] == ["RB101"]


def test_imports_in_module_level_handlers_are_known_to_functions_above_them():
    code = (
        "def fetch() -> None:\n    http.get('u', timeout=1)\n\n"
        "try:\n    import ujson as json\nexcept ImportError:\n    import requests as http\n"
    )
    assert escaping(code) == [2]


def test_relative_import_in_a_package_init_resolves_from_the_package_itself():
    [finding] = [f for f in scan("from .models import Order\n", "app/orders/__init__.py") if f.rule == "RB101"]
    assert finding.fix.edits[0].replacement == "app.orders.models"


def test_relative_import_above_the_root_has_no_fix():
    [finding] = [f for f in scan("from .. import other\n", "app/service.py") if f.rule == "RB101"]
    assert finding.fix is None
    [outside] = [f for f in scan("from . import other\n", "scripts/tool.py") if f.rule == "RB101"]
    assert outside.fix is None


REVIEW_CASES = [
    # RB705: a double-quoted name is an identifier (DefectDojo's bulk update); a double-quoted value
    # after a comparison is MySQL's string; placeholder rows joined again are still placeholders.
    ("RB705", "def f(cursor, t, col):\n    cursor.execute(f'UPDATE \"{t}\" AS x SET a = 1 WHERE x.\"{col}\" = 2')\n", []),
    ("RB705", "def f(cursor, name):\n    cursor.execute(f'SELECT * FROM t WHERE name = \"{name}\"')\n", [2]),
    ("RB705", "def f(cursor, rows):\n    row = '(' + ','.join(['%s'] * 2) + ')'\n    cursor.execute(f'SELECT * FROM t WHERE (a, b) IN ({\",\".join([row] * len(rows))})')\n", []),
    ("RB705", "def f(cursor, rows, name):\n    row = '(' + name + ')'\n    cursor.execute(f'SELECT * FROM t WHERE (a, b) IN ({\",\".join([row] * len(rows))})')\n", [3]),
    # Directives share a comment; each counts.
    ("RB205", "import requests\ntry:\n    requests.get('u')  # noqa: RB205  # reviewbot: ignore[RB201]\nexcept OSError:\n    raise\n", []),
    # `from src import <root>` goes through the src directory too.
    ("RB102", "from src import app\nfrom src import other\n", [1]),
    # Constants after another statement on the line, and non-ASCII upper case.
    ("RB404", '"""M."""\nx = 1; MAX = 2\nÄB = 7\n', [2, 3]),
    # A suppression comment is not documentation.
    ("RB404", '"""M."""\nMAX = 3  # noqa: RB404\n', []),
    ("RB003", '"""M."""\nMAX = 3  # noqa: RB404\n', []),
    ("RB401", '"""M."""\nfrom typing_extensions import overload\n@overload\ndef f(x: int) -> int: ...\n', []),
    # Default values and decorators run in the enclosing scope: here, inside the guarded try body.
    ("calls", "import subprocess\ntry:\n    def e(x: object = subprocess.run(['y'])) -> None:\n        pass\nexcept OSError:\n    raise\n", []),
    ("calls", "import subprocess\ntry:\n    @decorate(subprocess.run(['y']))\n    def e() -> None:\n        subprocess.run(['z'], check=True)\nexcept OSError:\n    raise\n", [5]),
]


@pytest.mark.parametrize(("rule", "code", "expected"), REVIEW_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(REVIEW_CASES)])
def test_review_case(rule, code, expected):
    assert (escaping(code) if rule == "calls" else lines_of(scan(code, "app/x.py", config={"extend-select": [rule]}), rule)) == expected


def test_nested_docstrings_count_as_docstring_lines():
    nested = '    def g() -> None:\n        """One.\n\n        Two.\n        Three.\n        """\n'
    code = "def f() -> None:\n" + nested + "    x = 1\n" * 7
    assert lines_of(scan(code), "RB402") == []


def test_suppressions_of_unknown_rules_and_misplaced_ignore_file_are_reported():
    code = '"""M."""\n' + "\n" * 10 + "# reviewbot: ignore-file[RB101]\nimport json  # reviewbot: ignore[RB999, RB1]\n"
    messages = [(f.line, f.message) for f in scan(code) if f.rule == "RB003"]
    assert messages == [
        (12, "`ignore-file` has no effect below line 10"),
        (13, "suppression of unknown rule RB1, RB999"),
    ]


def test_relative_import_without_a_space_after_from_is_fixed_correctly():
    [finding] = [f for f in scan("from.m import x\n", "app/sub/mod.py") if f.rule == "RB101"]
    assert finding.fix.edits[0].replacement == " app.sub.m"


def test_any_message_names_the_function_and_the_parameter():
    code = "from typing import Any\n\ndef load(raw: Any, *args: Any) -> 'Any':\n    return raw\n"
    assert [f.message for f in scan(code) if f.rule == "RB303"] == [
        "parameter `raw` of `load` is typed `Any`: name the real type (or `object` for anything)",
        "`load` returns `Any`: name the real type (or `object` for anything)",
    ]


def test_a_module_with_all_makes_only_the_listed_names_public():
    code = '"""M."""\n\n__all__ = ["listed"]\n\ndef listed() -> None:\n    pass\n\ndef helper() -> None:\n    pass\n'
    assert lines_of(scan(code), "RB401") == [5]
    # ``__all__`` extended at run time says nothing reliable: the names' own spelling decides.
    dynamic = code.replace('__all__ = ["listed"]', '__all__ = ["listed"]\n__all__ += extra')
    assert lines_of(scan(dynamic), "RB401") == [6, 9]


def test_all_extended_in_a_block_is_not_trusted():
    code = '"""M."""\n\n__all__ = ["a"]\ntry:\n    import x\n    __all__ += ["B"]\nexcept ImportError:\n    pass\n\nclass B:\n    pass\n'
    assert lines_of(scan(code), "RB401") == [10]


# A `# noqa` written for Ruff or flake8 (real lines of services that also run Ruff), and a bare one.
NOQA_CASES = [
    ("RB601", "def report(x: int) -> None:\n    print(x)  # noqa: T201\n", [], {}),
    ("RB601", "def report(x: int) -> None:\n    print(x)  # noqa: E501\n", [2], {}),
    ("RB601", "def report(x: int) -> None:\n    print(x)  # noqa\n", [], {}),
    ("RB601", "def report(x: int) -> None:\n    print(x)  # noqa\n", [2], {"noqa": "codes-only"}),
    ("RB301", "def f(a, b: int) -> None:  # noqa: ANN001\n    pass\n", [], {}),
    ("RB302", "def f(a: int):  # noqa: ANN201\n    pass\n", [], {}),
    ("RB303", "from typing import Any\n\n\ndef f(a: Any) -> None:  # noqa: ANN401\n    pass\n", [], {}),
    ("RB401", "def f(a: int) -> None:  # noqa: D103\n    pass\n", [], {}),
    ("RB101", "from .m import a  # noqa: TID252\n", [], {}),
    ("RB202", "try:\n    pass\nexcept:  # noqa: E722\n    raise\n", [], {}),
    ("RB205", "import requests\ntry:\n    requests.get('u')  # noqa: S113\nexcept OSError:\n    raise\n", [], {}),
    ("RB701", "import subprocess\nsubprocess.run('ls', shell=True)  # noqa: S602\n", [], {}),
    ("RB704", 'PASSWORD = "hunter2-hunter2"  # noqa: S105\n', [], {}),
    # Other tools' directives never count as suppressing nothing (RB003), bare or with codes.
    ("RB003", '"""M."""\nMAX = 3  # noqa\nLIMIT = 4  # noqa: T201\n', [], {"extend-select": ["RB003"]}),
    # Our own codes still do.
    ("RB003", '"""M."""\nLIMIT = 4  # noqa: RB601\n', [2], {"extend-select": ["RB003"]}),
]


@pytest.mark.parametrize(("rule", "code", "expected", "config"), NOQA_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(NOQA_CASES)])
def test_noqa_of_other_tools(rule, code, expected, config):
    assert lines_of(scan(code, "app/x.py", config=config), rule) == expected


def test_each_rules_ruff_codes_are_named_in_its_peers():
    from reviewbot.checks import RULES

    for rule in RULES.values():
        for code in rule.noqa:
            assert code.rstrip("0123456789") in rule.peers or code in rule.peers, (rule.id, code)
