"""RB201, third edition: failures followed through the project's call graph to the boundary that owns them.

The labelled corpus (tests/test_failures_corpus.py) holds the shapes of each framework; these tests
pin what a reader sees: the message, the path, where a documented failure is reported, the option
that makes sessions external, and what phase 1 records.
"""

from __future__ import annotations

import json
from typing import Any

import libcst as cst

from reviewbot.checks.failures import abstract, endless, raised_names
from reviewbot.engine import scan_file
from reviewbot.model import Facts
from tests.conftest import scan_files, settings

CLIENT = """\
import httpx


class PaymentsClient:
    def __init__(self) -> None:
        self.http = httpx.AsyncClient(base_url="https://pay.example.com", timeout=5)

    async def charge(self, amount: int) -> dict:
        response = await self.http.post("/charge", json={"amount": amount})
        return response.json()


payments = PaymentsClient()
"""
SERVICE = """\
from app.clients.payments import payments


async def create(amount: int) -> dict:
    return await payments.charge(amount)
"""
ROUTES = """\
from fastapi import APIRouter

from app.services import checkout

router = APIRouter()


@router.post("/checkout")
async def checkout_route(amount: int) -> dict:
    return await checkout.create(amount)
"""
SHOP = {"app/clients/payments.py": CLIENT, "app/services/checkout.py": SERVICE, "app/api/routes.py": ROUTES}


def rb201(files: dict[str, str], config: dict | None = None) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.message) for f in scan_files(files, config) if f.rule == "RB201"]


def test_the_message_names_the_failure_the_boundary_and_the_path():
    assert rb201(SHOP) == [
        (
            "app/clients/payments.py",
            9,
            "`httpx.HTTPError` from `self.http.post` reaches route `POST /checkout` through `PaymentsClient.charge` → "
            "`checkout.create` and nothing handles it; the client gets a 500: handle it where the failure can be "
            "answered (a 502 or 503 with a message), or register an exception handler",
        )
    ]


def test_a_frame_on_the_way_that_catches_the_family_owns_it():
    guarded = SERVICE.replace(
        "    return await payments.charge(amount)\n",
        "    try:\n        return await payments.charge(amount)\n    except httpx.HTTPError:\n        return {}\n",
    ).replace("from app", "import httpx\nfrom app")
    assert rb201({**SHOP, "app/services/checkout.py": guarded}) == []
    # A handler of an unrelated family owns nothing.
    unrelated = guarded.replace("except httpx.HTTPError", "except KeyError")
    assert [line for _, line, _ in rb201({**SHOP, "app/services/checkout.py": unrelated})] == [9]
    # A class of the project is raised by the project alone; a library's exception it re-exports catches.
    errors = "import httpx\n\nHTTPError = httpx.HTTPError\n\n\nclass PaymentFailed(Exception):\n    pass\n"
    own = guarded.replace("except httpx.HTTPError", "except PaymentFailed").replace("import httpx\n", "from app.errors import HTTPError, PaymentFailed\n")
    assert [line for _, line, _ in rb201({**SHOP, "app/services/checkout.py": own, "app/errors.py": errors})] == [9]
    exported = own.replace("except PaymentFailed", "except HTTPError")
    assert rb201({**SHOP, "app/services/checkout.py": exported, "app/errors.py": errors}) == []
    # A class of the file itself is the project's too.
    local = own.replace("from app.errors import HTTPError, PaymentFailed\n", "") + "\n\nclass PaymentFailed(Exception):\n    pass\n"
    assert [line for _, line, _ in rb201({**SHOP, "app/services/checkout.py": local})] == [9]


def test_a_registered_exception_handler_owns_what_reaches_a_route():
    main = "from fastapi import FastAPI\nimport httpx\n\napp = FastAPI()\napp.add_exception_handler(httpx.HTTPError, lambda r, e: None)\n"
    assert rb201({**SHOP, "app/main.py": main}) == []
    narrow = main.replace("httpx.HTTPError", "ValueError")
    assert len(rb201({**SHOP, "app/main.py": narrow})) == 1


def test_a_call_of_an_abstract_method_runs_the_overrides_and_a_return_annotation_names_the_class():
    clients = (
        "from abc import ABC, abstractmethod\n\nimport httpx\n\n\nclass Sender(ABC):\n    @abstractmethod\n    def send(self, text: str) -> None:\n"
        "        \"\"\"Send it.\"\"\"\n\n\nclass HttpSender(Sender):\n    def send(self, text: str) -> None:\n"
        "        httpx.post('https://hooks.example.com', json={'text': text}, timeout=5)\n\n\n"
        "class Notifier:\n    def __init__(self, sender: Sender) -> None:\n        self.sender = sender\n\n"
        "    def notify(self, text: str) -> None:\n        self.sender.send(text)\n\n\n"
        "def get_notifier() -> Notifier:\n    return Notifier(HttpSender())\n"
    )
    routes = (
        "from fastapi import APIRouter\n\nfrom app.notify import get_notifier\n\nrouter = APIRouter()\n\n\n"
        "@router.post('/notify')\ndef notify_route(text: str) -> None:\n    get_notifier().notify(text)\n"
    )
    [(path, line, message)] = rb201({"app/notify.py": clients, "app/api/routes.py": routes})
    assert (path, line) == ("app/notify.py", 14) and "reaches route `POST /notify` through `HttpSender.send` → `Notifier.notify` and nothing" in message
    # A method with a body of its own may be what runs: its subclasses' overrides are not followed.
    concrete = clients.replace(
        "    @abstractmethod\n    def send(self, text: str) -> None:\n        \"\"\"Send it.\"\"\"\n",
        "    def send(self, text: str) -> None:\n        record(text)\n",
    ) + "\n\ndef record(text: str) -> None:\n    print(text)\n"
    assert rb201({"app/notify.py": concrete, "app/api/routes.py": routes}) == []
    # A receiver typed with a subclass runs that subclass's method, not its siblings'.
    quiet = clients + "\n\nclass NullSender(Sender):\n    def send(self, text: str) -> None:\n        return None\n\n\ndef null_notifier() -> Notifier:\n    return Notifier(NullSender())\n"
    typed = quiet.replace("    def __init__(self, sender: Sender) -> None:", "    def __init__(self, sender: NullSender) -> None:")
    assert rb201({"app/notify.py": typed, "app/api/routes.py": routes}) == []
    # A factory that only returns what it holds, and a class called with arguments, are followed too.
    held = clients.replace("def get_notifier() -> Notifier:\n    return Notifier(HttpSender())\n", "NOTIFIER = Notifier(HttpSender())\n\n\ndef get_notifier() -> Notifier:\n    return NOTIFIER\n")
    assert len(rb201({"app/notify.py": held, "app/api/routes.py": routes})) == 1
    direct = routes.replace("get_notifier().notify(text)", "Notifier(HttpSender()).notify(text)").replace("import get_notifier", "import HttpSender, Notifier")
    assert len(rb201({"app/notify.py": clients, "app/api/routes.py": direct})) == 1


def test_drfs_exception_handler_owns_failures_unless_it_only_adds_to_drfs_own_answer():
    view = (
        "from rest_framework.decorators import api_view\n\nfrom app.clients.payments import payments\n\n\n"
        "@api_view([\"POST\"])\ndef charge_view(request):\n    return payments.charge(1)\n"
    )
    settings_py = 'REST_FRAMEWORK = {"EXCEPTION_HANDLER": "app.api.errors.handler"}\n'
    adds = (
        "from rest_framework.views import exception_handler\n\n\ndef handler(exc, context):\n"
        "    response = exception_handler(exc, context)\n    if response is not None:\n        response.data['type'] = type(exc).__name__\n    return response\n"
    )
    answers = adds.replace("    return response\n", "    if response is None:\n        response = Response({'detail': 'unavailable'}, status=503)\n    return response\n")
    answers = "from rest_framework.response import Response\n" + answers
    files = {"app/clients/payments.py": CLIENT, "app/api/views.py": view, "app/settings.py": settings_py}
    assert [line for _, line, _ in rb201({**files, "app/api/errors.py": adds})] == [9]
    assert rb201({**files, "app/api/errors.py": answers}) == []
    # A handler that turns the failure into one of DRF's, or answers through a helper, owns it.
    converts = adds.replace("    response = exception_handler(exc, context)\n", "    if isinstance(exc, OSError):\n        exc = ServiceUnavailable()\n    response = exception_handler(exc, context)\n")
    assert rb201({**files, "app/api/errors.py": converts}) == []
    helper = adds.replace("    return response\n", "    return response or unavailable()\n")
    assert rb201({**files, "app/api/errors.py": helper}) == []
    # DRF's own handler, named: it answers DRF's exceptions only.
    named = 'REST_FRAMEWORK = {"EXCEPTION_HANDLER": "rest_framework.views.exception_handler"}\n'
    assert len(rb201({**files, "app/settings.py": named})) == 1
    # A handler the project does not hold (a package's), or one not named by a string: the benefit of the doubt.
    assert rb201(files) == []
    assert rb201({**files, "app/settings.py": 'REST_FRAMEWORK = {"EXCEPTION_HANDLER": HANDLER}\n'}) == []


def test_raises_passes_the_obligation_to_the_first_caller_that_neither_catches_nor_documents():
    documented = CLIENT.replace(
        "    async def charge(self, amount: int) -> dict:\n",
        '    async def charge(self, amount: int) -> dict:\n        """Charge.\n\n        Raises:\n            httpx.HTTPError: the provider failed.\n        """\n',
    )
    [(path, line, message)] = rb201({**SHOP, "app/clients/payments.py": documented})
    # Reported in the service, at its call of the documenting method.
    assert (path, line) == ("app/services/checkout.py", 5)
    assert "which `payments.charge` documents in `Raises:`" in message


def test_a_call_that_reaches_no_boundary_is_not_reported():
    assert rb201({"app/clients/payments.py": CLIENT, "app/services/checkout.py": SERVICE}) == []


def test_session_calls_belong_to_the_transaction_unless_configured():
    code = (
        "from fastapi import APIRouter\nfrom sqlalchemy.orm import Session\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/orders')\ndef orders(db: Session) -> list:\n    return list(db.scalars('SELECT 1'))\n"
    )
    assert rb201({"app/api.py": code}) == []
    assert [line for _, line, _ in rb201({"app/api.py": code}, {"errors": {"session-calls-external": True}})] == [9]


def test_an_indirect_call_in_an_endless_loop_ends_the_loop():
    worker = (
        "import time\n\nfrom app.services.checkout import create\n\n\ndef run() -> None:\n    while True:\n"
        "        create(1)\n        time.sleep(1)\n"
    )
    [(_, line, message)] = rb201({"app/clients/payments.py": CLIENT, "app/services/checkout.py": SERVICE, "app/worker.py": worker})
    assert line == 9 and "reaches the endless loop at line 7 of `run`" in message and "one transient error ends the loop" in message


def test_a_suppression_comment_on_the_call_line_silences_it():
    silenced = CLIENT.replace('json={"amount": amount})', 'json={"amount": amount})  # reviewbot: ignore[RB201]')
    assert rb201({**SHOP, "app/clients/payments.py": silenced}) == []


def test_phase_one_records_the_flow_and_it_survives_the_cache():
    facts = scan_file("app/clients/payments.py", CLIENT.encode(), settings()).facts
    # The module's top level calls the class (to build the singleton): a flow nothing calls.
    assert [flow.name for flow in facts.flows] == ["PaymentsClient.charge", "<module>"]
    flow = facts.flows[0]
    assert (flow.name, flow.line, [(c.target, c.line, c.text, c.families) for c in flow.calls]) == (
        "PaymentsClient.charge",
        8,
        [("httpx.AsyncClient.post", 9, "self.http.post", ("httpx",))],
    )
    assert facts.singletons == (("payments", "#PaymentsClient"),)
    assert Facts.from_record(json.loads(json.dumps(facts.to_record()))) == facts


def test_raises_sections_are_read_in_the_three_docstring_styles():
    google = "Do it.\n\nRaises:\n    httpx.HTTPError: when down.\n    ValueError: bad input.\n\nReturns:\n    None\n"
    numpy = "Do it.\n\nRaises\n------\nPaymentError\n    When refused.\n"
    sphinx = "Do it.\n\n:raises requests.RequestException: when down\n"
    assert raised_names(google) == ["httpx.HTTPError", "ValueError"]
    assert raised_names(numpy) == ["PaymentError"]
    assert raised_names(sphinx) == ["requests.RequestException"]


def first(code: str, kind: type[cst.CSTNode]) -> Any:
    """The first statement of ``code``, which must be a ``kind``."""
    statement = cst.parse_module(code).body[0]
    assert isinstance(statement, kind)
    return statement


def test_abstract_methods_are_told_by_their_decorator_or_a_body_that_raises_not_implemented():
    def method(code: str) -> bool:
        return abstract(first(code, cst.FunctionDef))

    assert method("@abc.abstractmethod\ndef f(self):\n    return 1\n")
    assert method("def f(self):\n    \"\"\"Doc.\"\"\"\n    raise NotImplementedError('subclasses')\n")
    assert method("def f(self): raise NotImplementedError\n")
    # An empty body may be a method that does nothing on purpose; a special method is never abstract.
    assert not method("def f(self): ...\n") and not method("def f(self):\n    pass\n")
    assert not method("def __init__(self):\n    raise NotImplementedError\n")
    assert not method("def f(self):\n    raise ValueError\n")
    assert not method("def f(self):\n    return None\n")


def test_only_loops_that_nothing_leaves_are_endless():
    def loop(code: str) -> bool:
        return endless(first(code, cst.While))

    assert loop("while True:\n    poll()\n")
    assert loop("while 1:\n    for x in y:\n        break\n")
    assert not loop("while True:\n    if done():\n        break\n")
    assert not loop("while True:\n    return\n")
    assert not loop("while running:\n    poll()\n")
    # Stopping the task is no way out of its work.
    assert loop("while True:\n    try:\n        poll()\n    except asyncio.CancelledError:\n        break\n")
    assert not loop("while True:\n    try:\n        poll()\n    except (asyncio.CancelledError, ValueError):\n        break\n")


def test_explain_at_follows_the_failure_and_says_why_each_frame_does_or_does_not_own_it(tmp_path):
    from tests.conftest import make_repo, run_main

    main = "from fastapi import FastAPI\nimport httpx\n\napp = FastAPI()\n"
    repo = make_repo(tmp_path / "shop", {"pyproject.toml": "[project]\nname = 'app'\n", "app/__init__.py": "", **SHOP, "app/main.py": main})
    result = run_main(repo, "explain", "RB201", "--at", "app/clients/payments.py:9")
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "`self.http.post` (httpx.AsyncClient.post) can raise `httpx.HTTPError`, and no `try` around it in `PaymentsClient.charge` catches it:",
        "`PaymentsClient.charge` (app/clients/payments.py:8) lets it through; 1 caller in the project",
        "  `checkout.create` (app/services/checkout.py:4) lets it through; 1 caller in the project",
        "    `routes.checkout_route` (app/api/routes.py:9) is route `POST /checkout` and nothing handles it: RB201",
    ]
    # Once the application registers a handler for it, the route owns it.
    (repo / "app" / "main.py").write_text(main + "app.add_exception_handler(httpx.HTTPError, lambda request, error: None)\n")
    owned = run_main(repo, "explain", "RB201", "--at", "app/clients/payments.py:9").stdout
    assert owned.splitlines()[-1].endswith("an exception handler the application registers covers it: owned")
    assert "no external call" in run_main(repo, "explain", "RB201", "--at", "app/clients/payments.py:10").stdout
    refused = run_main(repo, "explain", "RB205", "--at", "app/clients/payments.py:9")
    assert refused.code == 2 and "RB201" in refused.stderr


def test_tasks_commands_and_scripts_are_boundaries_only_when_configured():
    task = "from celery import shared_task\n\nfrom app.services.checkout import create\n\n\n@shared_task\ndef charge() -> None:\n    create(1)\n"
    files = {"app/clients/payments.py": CLIENT, "app/services/checkout.py": SERVICE, "app/tasks.py": task}
    assert rb201(files) == []
    [(_, line, message)] = rb201(files, {"errors": {"boundaries": ["task"]}})
    assert line == 9 and "reaches task `charge`" in message and "the task fails without a retry" in message


def test_a_decorator_factory_whose_wrapper_catches_the_failure_owns_it():
    guard = (
        "import functools\n\nimport httpx\n\n\ndef upstream_errors(status: int):\n    def decorate(view):\n"
        "        @functools.wraps(view)\n        async def wrapper(*args, **kwargs):\n            try:\n"
        "                return await view(*args, **kwargs)\n            except httpx.HTTPError:\n                return {'status': status}\n"
        "        return wrapper\n    return decorate\n"
    )
    guarded = ROUTES.replace("@router.post(\"/checkout\")\n", "@router.post(\"/checkout\")\n@upstream_errors(502)\n").replace(
        "from app.services import checkout\n", "from app.guards import upstream_errors\nfrom app.services import checkout\n"
    )
    assert rb201({**SHOP, "app/guards.py": guard, "app/api/routes.py": guarded}) == []


def test_several_calls_failing_the_same_way_in_one_function_make_one_finding():
    two = CLIENT.replace(
        '        return response.json()\n', '        await self.http.post("/audit", json={"amount": amount})\n        return response.json()\n'
    )
    [(_, line, message)] = rb201({**SHOP, "app/clients/payments.py": two})
    assert line == 9 and "(as does one more call of this function)" in message


def test_rb208_a_handler_around_the_loop_that_starts_the_work_again_keeps_the_worker_alive():
    from tests.conftest import lines_of, scan

    loop = (
        "import time\n\nimport redis\n\nqueue = redis.Redis()\n\n\nclass Broadcaster:\n    def start(self) -> None:\n        try:\n"
        "            while True:\n                queue.blpop('events')\n        except redis.RedisError:\n            time.sleep(5)\n"
        "            self.start()\n"
    )
    assert lines_of(scan(loop), "RB208") == []
    assert lines_of(scan(loop.replace("            self.start()\n", "            return\n")), "RB208") == [11]


def test_in_a_change_the_graph_is_read_around_the_changed_files(tmp_path):
    from tests.conftest import git, make_repo, run_main

    def rb201_in_change(repo):
        result = run_main(repo, "scan", "--diff", "main", "--select", "RB201", "--format", "json")
        assert result.code in (0, 1), result.stderr
        return [(f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]]

    base = {"pyproject.toml": "[project]\nname = 'app'\n", "app/__init__.py": "", "app/clients/payments.py": CLIENT, "app/services/checkout.py": SERVICE}
    repo = make_repo(tmp_path / "shop", base)
    git(repo, "checkout", "-q", "-b", "feature")
    # Down: a new route calls the service, which calls the client; both are read though unchanged.
    (repo / "app" / "api").mkdir()
    (repo / "app" / "api" / "routes.py").write_text(ROUTES)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "route")
    assert rb201_in_change(repo) == [("app/clients/payments.py", 9)]
    # Up: with the route on main, a change to the client alone finds its callers by name.
    git(repo, "branch", "-f", "main")
    (repo / "app" / "clients" / "payments.py").write_text(CLIENT.replace('"/charge"', '"/v2/charge"'))
    git(repo, "commit", "-q", "-am", "client")
    assert rb201_in_change(repo) == [("app/clients/payments.py", 9)]
    # A change elsewhere leaves it alone.
    git(repo, "branch", "-f", "main")
    (repo / "app" / "other.py").write_text("VALUE = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "other")
    assert rb201_in_change(repo) == []


def test_in_the_work_tree_an_untracked_caller_of_a_changed_function_is_found(tmp_path):
    from tests.conftest import make_repo, run_main

    base = {"pyproject.toml": "[project]\nname = 'app'\n", "app/__init__.py": "", "app/clients/payments.py": CLIENT, "app/services/checkout.py": SERVICE}
    repo = make_repo(tmp_path / "shop", base)
    # Neither edit is committed, and the route is not even added: git does not track it yet.
    (repo / "app" / "clients" / "payments.py").write_text(CLIENT.replace('"/charge"', '"/v2/charge"'))
    (repo / "app" / "api").mkdir()
    (repo / "app" / "api" / "routes.py").write_text(ROUTES)
    result = run_main(repo, "scan", "--diff", "HEAD", "--select", "RB201", "--format", "json")
    assert [(f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]] == [("app/clients/payments.py", 9)]


def test_findings_do_not_depend_on_the_order_of_the_files_and_keep_their_fingerprint_when_code_moves():
    lib = "import requests\n\n\ndef fetch(url: str) -> bytes:\n    return requests.get(url, timeout=5).content\n"
    route = "from fastapi import APIRouter\n\nfrom app.lib import fetch\n\nrouter = APIRouter()\n\n\n@router.get('/{0}')\ndef {0}() -> bytes:\n    return fetch('u')\n"
    files = {"app/lib.py": lib, "app/a.py": route.format("a"), "app/b.py": route.format("b")}
    forward = [(f.path, f.line, f.message, f.fingerprint) for f in scan_files(files) if f.rule == "RB201"]
    backward = [(f.path, f.line, f.message, f.fingerprint) for f in scan_files(dict(reversed(list(files.items())))) if f.rule == "RB201"]
    assert forward == backward and "route `GET /a`" in forward[0][2]
    moved = {**files, "app/lib.py": "import requests\n\n\ndef first() -> None:\n    pass\n\n\n" + lib.split("\n\n\n", 1)[1]}
    [(_, line, _, fingerprint)] = [(f.path, f.line, f.message, f.fingerprint) for f in scan_files(moved) if f.rule == "RB201"]
    assert line == 9 and fingerprint == forward[0][3]


def test_in_a_change_owners_and_suppressions_in_unchanged_files_count(tmp_path):
    from tests.conftest import git, make_repo, run_main

    def rb201_in_change(repo):
        result = run_main(repo, "scan", "--diff", "main", "--select", "RB201", "--format", "json")
        assert result.code in (0, 1), result.stderr
        return [(f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]]

    def change_the_service(repo):
        git(repo, "checkout", "-q", "-B", "feature", "main")
        (repo / "app" / "services" / "checkout.py").write_text(SERVICE.replace("return await", "result = await").replace("(amount)\n", "(amount)\n    return result\n"))
        git(repo, "commit", "-q", "-am", "service")
        return rb201_in_change(repo)

    base = {"pyproject.toml": "[project]\nname = 'app'\n", "app/__init__.py": "", **SHOP}
    repo = make_repo(tmp_path / "shop", base)
    assert change_the_service(repo) == [("app/clients/payments.py", 9)]
    # A handler the application registers, in a file the change does not touch.
    git(repo, "checkout", "-q", "main")
    main = "from fastapi import FastAPI\nimport httpx\n\napp = FastAPI()\napp.add_exception_handler(httpx.HTTPError, lambda request, error: None)\n"
    (repo / "app" / "main.py").write_text(main)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "handler")
    assert change_the_service(repo) == []
    # A suppression on the call, in the unchanged client.
    git(repo, "checkout", "-q", "main")
    git(repo, "rm", "-q", "app/main.py")
    silenced = CLIENT.replace('json={"amount": amount})', 'json={"amount": amount})  # reviewbot: ignore[RB201]')
    (repo / "app" / "clients" / "payments.py").write_text(silenced)
    git(repo, "commit", "-q", "-am", "silenced")
    assert change_the_service(repo) == []


def test_a_file_rb201_is_ignored_in_still_calls_and_owns():
    # The routes' own findings are ignored, but their calls still carry the client's failure to them.
    ignored_routes = {"per-file-ignores": {"app/api/*.py": ["RB201"]}}
    assert [line for _, line, _ in rb201(SHOP, ignored_routes)] == [9]
    # ... and a handler registered in a file RB201 is ignored in still owns what reaches the route.
    main = "from fastapi import FastAPI\nimport httpx\n\napp = FastAPI()\napp.add_exception_handler(httpx.HTTPError, lambda r, e: None)\n"
    assert rb201({**SHOP, "app/main.py": main}, {"per-file-ignores": {"app/main.py": ["RB201"]}}) == []


def test_an_endless_loop_of_a_script_or_a_module_is_a_boundary_too():
    poller = "import time\n\nfrom app.services.checkout import create\n\n\nif __name__ == '__main__':\n    while True:\n        create(1)\n        time.sleep(5)\n"
    files = {"app/clients/payments.py": CLIENT, "app/services/checkout.py": SERVICE, "app/poller.py": poller}
    [(_, line, message)] = rb201(files)
    assert line == 9 and "reaches the endless loop at line 7 of the `__main__` block" in message
    module = poller.replace("if __name__ == '__main__':\n    while True:\n        create(1)\n        time.sleep(5)\n", "while True:\n    create(1)\n    time.sleep(5)\n")
    [(_, line, message)] = rb201({**files, "app/poller.py": module})
    assert "reaches the endless loop at line 6 at module level" in message


def test_an_http_middleware_that_catches_the_failure_owns_what_reaches_a_route():
    middleware = (
        "import httpx\nfrom fastapi import FastAPI, Request\nfrom fastapi.responses import JSONResponse\n\napp = FastAPI()\n\n\n"
        "@app.middleware('http')\nasync def upstream_errors(request: Request, call_next):\n    try:\n        return await call_next(request)\n"
        "    except httpx.HTTPError:\n        return JSONResponse({'detail': 'upstream unavailable'}, status_code=502)\n"
    )
    assert rb201({**SHOP, "app/main.py": middleware}) == []
    # One that catches something else owns nothing of it.
    assert len(rb201({**SHOP, "app/main.py": middleware.replace("httpx.HTTPError", "ValueError")})) == 1
