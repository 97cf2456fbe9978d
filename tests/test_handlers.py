"""RB2xx, third edition: handlers that let failures fall through, failures logged too quietly,
retry policies that retry everything, and the reasons RB203/RB204 accept.

Each case is written in the shape it takes in real code: a googleapiclient ``HttpError`` 404
answered and everything else dropped, ``except Exception: logger.debug(...)``, tenacity's
``@retry(stop=...)`` around ``httpx.post``, ``backoff.on_exception(backoff.expo, Exception)``
around ``requests.get``.
"""

from __future__ import annotations

import pytest

from tests.conftest import lines_of, scan

GOOGLE_404 = """\
from googleapiclient.errors import HttpError


def find_file(service, file_id):
    try:
        return service.files().get(fileId=file_id).execute()
    except HttpError as e:
        if e.resp.status == 404:
            return None
"""


def google(handler: str) -> str:
    """``GOOGLE_404`` with another handler body (indented by eight spaces)."""
    head = GOOGLE_404.split("        if e.resp.status")[0]
    return head + "".join(f"        {line}\n" for line in handler.splitlines())


QUIET = """\
import logging
import traceback

import sentry_sdk

logger = logging.getLogger(__name__)


def refresh(cache):
    try:
        cache.reload()
    except Exception as exc:
        logger.debug("cache refresh failed: %s", exc)
"""


def quiet(handler: str, kind: str = "Exception as exc") -> str:
    """``QUIET`` with another handler (its body indented by eight spaces)."""
    head = QUIET.split("    except Exception as exc:")[0]
    return head + f"    except {kind}:\n" + "".join(f"        {line}\n" for line in handler.splitlines())


HTTPX_RETRY = """\
import httpx
from tenacity import retry, retry_if_exception, retry_if_exception_type, retry_if_result, stop_after_attempt


@retry(stop=stop_after_attempt(3))
def create_invoice(payload: dict) -> dict:
    response = httpx.post("https://billing.example.com/invoices", json=payload, timeout=10)
    response.raise_for_status()
    return response.json()
"""
BACKOFF_RETRY = """\
import backoff
import requests


@backoff.on_exception(backoff.expo, Exception, max_tries=5)
def fetch(url: str) -> bytes:
    return requests.get(url, timeout=5).content
"""

# (rule, code, expected lines, path)
# Every rule of the family, the ones the pack leaves off included.
SELECTED = {"extend-select": ["RB206", "RB207", "RB209"]}

CASES = [
    # --- RB206: the 404 answered, every other failure dropped --------------------------------------
    ("RB206", GOOGLE_404, [7], "app/drive.py"),
    ("RB206", GOOGLE_404, [], "tests/test_drive.py"),
    ("RB206", google("if e.resp.status == 404:\n    return None\nraise"), [], "app/drive.py"),
    ("RB206", google("if e.resp.status == 404:\n    return None\nelse:\n    raise"), [], "app/drive.py"),
    ("RB206", google("if e.resp.status == 404:\n    return None\nlog.warning('drive failed: %s', e)"), [], "app/drive.py"),
    ("RB206", google("if e.resp.status == 404:\n    return None\nreturn None"), [], "app/drive.py"),
    ("RB206", google("if e.resp.status == 404:\n    return None\npass"), [7], "app/drive.py"),
    # Raising for the selected status swallows the others all the same.
    ("RB206", google("if e.resp.status == 404:\n    raise FileMissing(file_id) from e"), [7], "app/drive.py"),
    # Re-raising what the test selects and letting the rest through is a decision (a retry, an expected case).
    ("RB206", google("if e.resp.status == 500:\n    raise"), [], "app/drive.py"),
    ("RB206", google("if e.resp.status in (500, 503):\n    raise\nelif e.resp.status == 429:\n    raise"), [], "app/drive.py"),
    ("RB206", "def save():\n    try:\n        write()\n    except OperationalError as e:\n        if 'database is locked' not in str(e):\n            raise e\n", [], "app/lock.py"),
    # A status of something else than the failure or its answer says nothing about the failure.
    ("RB206", "try:\n    price = prices[sku]\nexcept KeyError:\n    if request.country_code == 'US':\n        price = 0\n", [], "app/prices.py"),
    ("RB206", "class Worker:\n    def stop(self):\n        try:\n            self.proc.kill()\n        except ValueError:\n            if self.status == 'stopping':\n                return\n", [], "app/worker.py"),
    # The project's own named constant is a state of the program, a library's is a kind of failure.
    ("RB206", "from app.server import STATUS_STOPPED\n\ntry:\n    stop()\nexcept NotRunning as e:\n    if e.status == STATUS_STOPPED:\n        done = True\n", [], "app/cli.py"),
    ("RB206", google("if e.resp.status == 404:\n    return None\nelif e.resp.status == 403:\n    raise Forbidden(file_id)"), [7], "app/drive.py"),
    ("RB206", google("if e.resp.status == 404:\n    return None\nelif e.resp.status == 403:\n    raise Forbidden(file_id)\nelse:\n    raise"), [], "app/drive.py"),
    # A last test naming what it lets through ignores exactly that, on purpose.
    ("RB206", google("if e.resp.status != 404:\n    raise"), [], "app/drive.py"),
    ("RB206", google("if e.resp.status not in (404, 410):\n    log.error('drive failed')\n    raise"), [], "app/drive.py"),
    ("RB206", google("if not isinstance(e, NotFound):\n    raise"), [], "app/drive.py"),
    ("RB206", google("if e.resp.status != 404:\n    log.error('drive failed: %s', e)"), [], "app/drive.py"),
    # A test that compares errors with each other, or asks about their shape, picks no failures.
    ("RB206", "try:\n    parse()\nexcept ParseError as err:\n    if err.loc > best_loc:\n        best = err\n", [], "app/x.py"),
    ("RB206", "try:\n    parse()\nexcept ParseError as err:\n    if hasattr(err, 'msg'):\n        report(err.msg)\n", [], "app/x.py"),
    ("RB206", "def publish(events) -> bool:\n    try:\n        logs.put_log_events(events)\n    except ClientError as error:\n        code = error.response['Error']['Code']\n"
     "        if code == 'ResourceNotFoundException':\n            return False\n    return True\n", [4], "app/x.py"),
    ("RB206", "from http import HTTPStatus\n\ntry:\n    call()\nexcept ApiError as e:\n    if e.status == HTTPStatus.NOT_FOUND:\n        found = False\n", [5], "app/x.py"),
    ("RB206", "try:\n    call()\nexcept Exception as e:\n    if isinstance(e, InvalidParameterValue) or e.code in ('A', 'B'):\n        failed.append(e)\n", [3], "app/x.py"),
    # Parts of the error bound first; a binding that does something is not just a read.
    ("RB206", google("status = e.resp.status\nif status == 404:\n    return None"), [7], "app/drive.py"),
    ("RB206", google("status = getattr(e, 'status_code', None)\nif status == 404:\n    return None"), [7], "app/drive.py"),
    ("RB206", google("status = record_failure(e)\nif status == 404:\n    return None"), [], "app/drive.py"),
    ("RB206", google("if isinstance(e, NotFound):\n    return None"), [7], "app/drive.py"),
    # A test about something other than the error is not this shape.
    ("RB206", "def send(job, retries):\n    try:\n        job.run()\n    except Exception as e:\n        if retries > 3:\n            raise\n", [], "app/x.py"),
    ("RB206", "import errno, os\n\ntry:\n    os.makedirs('d')\nexcept OSError as e:\n    if e.errno == errno.EEXIST:\n        pass\n", [5], "app/x.py"),
    ("RB206", "import requests\n\ntry:\n    response.raise_for_status()\nexcept requests.HTTPError:\n    if response.status_code == 404:\n        result = None\n", [5], "app/x.py"),
    ("RB206", "try:\n    run()\nexcept ValueError:\n    pass\n", [], "app/x.py"),
    # A reason on the `except` line or in the `try` counts; one inside a branch explains that branch.
    ("RB206", google("if e.resp.status == 404:\n    return None").replace("except HttpError as e:", "except HttpError as e:  # other statuses: the sync retries later"), [], "app/drive.py"),
    ("RB206", google("if e.resp.status == 404:\n    # The file was deleted meanwhile.\n    return None"), [7], "app/drive.py"),
    ("RB206", google("if e.resp.status == 404:\n    return None").replace("    try:\n", "    try:\n        # Best effort: a missing preview is not an error.\n"), [], "app/drive.py"),
    # --- RB207: the failure only in a debug or info line ------------------------------------------
    ("RB207", QUIET, [12], "app/cache.py"),
    ("RB207", QUIET, [], "tests/test_cache.py"),
    ("RB207", quiet("logger.info('cache refresh failed')", "Exception"), [12], "app/cache.py"),
    ("RB207", quiet("logging.debug('cache refresh failed', exc_info=True)", "BaseException"), [12], "app/cache.py"),
    ("RB207", quiet("logger.debug('failed')\nreturn None", ""), [12], "app/cache.py"),
    ("RB207", quiet("self.logger.debug('failed')\ncontinue"), [12], "app/cache.py"),
    ("RB207", quiet("logger.log(logging.DEBUG, 'failed')"), [12], "app/cache.py"),
    ("RB207", quiet("logger.log(10, 'failed')"), [12], "app/cache.py"),
    ("RB207", quiet("logger.debug('failed: %s', traceback.format_exc())"), [12], "app/cache.py"),
    # Any louder trace: a warning, a level not known, a re-raise, a report, the error used.
    ("RB207", quiet("logger.log(logging.ERROR, 'failed')"), [], "app/cache.py"),
    ("RB207", quiet("logger.log(level, 'failed')"), [], "app/cache.py"),
    ("RB207", quiet("logger.debug('failed')\nlogger.warning('cache is stale')"), [], "app/cache.py"),
    ("RB207", quiet("logger.exception('cache refresh failed')"), [], "app/cache.py"),
    ("RB207", quiet("logger.debug('failed')\nraise"), [], "app/cache.py"),
    ("RB207", quiet("logger.debug('failed')\nraise CacheError() from exc"), [], "app/cache.py"),
    ("RB207", quiet("logger.info('failed')\nreturn {'error': str(exc)}"), [], "app/cache.py"),
    ("RB207", quiet("logger.debug('failed')\nself.error = exc"), [], "app/cache.py"),
    ("RB207", quiet("logger.debug('failed')\nsentry_sdk.capture_exception()"), [], "app/cache.py"),
    ("RB207", quiet("logger.debug('failed')\ntraceback.print_exc()"), [], "app/cache.py"),
    ("RB207", quiet("logger.debug('failed: %s', exc)\nsys.stderr.write('Warning: the cache could not be refreshed.\\n')").replace("import logging", "import logging\nimport sys"), [], "app/cache.py"),
    ("RB207", quiet("logger.debug('failed')\nprint('The cache could not be refreshed.')"), [], "app/cache.py"),
    ("RB207", quiet("logger.debug('failed')\nwarnings.warn('stale cache')"), [], "app/cache.py"),
    ("RB207", quiet("logger.debug('failed')", "KeyError"), [], "app/cache.py"),
    # `.info()` of something not seen to be a logger is not known to be quiet.
    ("RB207", quiet("messages.info(request, 'The cache could not be refreshed.')"), [], "app/cache.py"),
    # A reason written down, as RB203 and RB204 take it.
    ("RB207", quiet("# The cache refreshes itself on the next request.\nlogger.debug('failed')"), [], "app/cache.py"),
    # A debug line inside a function defined in the handler does not run when it does.
    ("RB207", quiet("def report() -> None:\n    logger.debug('failed')\nschedule(report)"), [], "app/cache.py"),
    # --- RB209: retrying every exception around HTTP requests -------------------------------------
    ("RB209", HTTPX_RETRY, [5], "app/billing.py"),
    ("RB209", HTTPX_RETRY, [], "tests/test_billing.py"),
    ("RB209", HTTPX_RETRY.replace("@retry(stop=stop_after_attempt(3))", "@retry"), [5], "app/billing.py"),
    ("RB209", HTTPX_RETRY.replace("from tenacity import", "import tenacity\nfrom tenacity import").replace("\n\n\n@retry", "\n\n@retry").replace("@retry(stop=stop_after_attempt(3))", "@tenacity.retry(reraise=True)"), [5], "app/billing.py"),
    ("RB209", HTTPX_RETRY.replace("stop_after_attempt(3))", "stop_after_attempt(3), retry=retry_if_exception_type(Exception))"), [5], "app/billing.py"),
    ("RB209", HTTPX_RETRY.replace("stop_after_attempt(3))", "stop_after_attempt(3), retry=retry_if_exception_type())"), [5], "app/billing.py"),
    ("RB209", HTTPX_RETRY.replace("stop_after_attempt(3))", "stop_after_attempt(3), retry=retry_if_exception_type((Exception, ValueError)))"), [5], "app/billing.py"),
    ("RB209", HTTPX_RETRY.replace("stop_after_attempt(3))", "stop_after_attempt(3), retry=retry_if_exception_type(exception_types=BaseException))"), [5], "app/billing.py"),
    # Narrower types, a predicate, a combined condition, options passed through: not reported.
    ("RB209", HTTPX_RETRY.replace("stop_after_attempt(3))", "stop_after_attempt(3), retry=retry_if_exception_type((httpx.TransportError, httpx.TimeoutException)))"), [], "app/billing.py"),
    ("RB209", HTTPX_RETRY.replace("stop_after_attempt(3))", "stop_after_attempt(3), retry=retry_if_exception(is_retryable))"), [], "app/billing.py"),
    ("RB209", HTTPX_RETRY.replace("stop_after_attempt(3))", "stop_after_attempt(3), retry=retry_if_exception_type(Exception) & retry_if_result(is_none))"), [], "app/billing.py"),
    ("RB209", HTTPX_RETRY.replace("@retry(stop=stop_after_attempt(3))", "@retry(**RETRY_POLICY)"), [], "app/billing.py"),
    ("RB209", BACKOFF_RETRY, [5], "app/fetch.py"),
    ("RB209", BACKOFF_RETRY.replace("backoff.expo, Exception,", "backoff.expo, exception=(BaseException,),"), [5], "app/fetch.py"),
    ("RB209", BACKOFF_RETRY.replace("Exception, max_tries=5", "requests.exceptions.ConnectionError"), [], "app/fetch.py"),
    ("RB209", BACKOFF_RETRY.replace("max_tries=5", "max_tries=5, giveup=is_client_error"), [], "app/fetch.py"),
    # Only around HTTP requests, in the retried function's own body.
    ("RB209", "from tenacity import retry\n\n\n@retry\ndef rebuild(index) -> None:\n    index.rebuild()\n", [], "app/x.py"),
    ("RB209", "import requests\nfrom tenacity import retry\n\n\n@retry\ndef plan(url: str):\n    def later() -> bytes:\n        return requests.get(url, timeout=5).content\n    return later\n", [], "app/x.py"),
    ("RB209", "import requests\nfrom tenacity import retry\n\n\n@retry\ndef plan(url: str):\n    return lambda: requests.get(url, timeout=5)\n", [], "app/x.py"),
    ("RB209", "from urllib.request import urlopen\nfrom tenacity import retry\n\n\n@retry\ndef read(url: str) -> bytes:\n    return urlopen(url, timeout=5).read()\n", [5], "app/x.py"),
    # Requests through clients the file builds or annotates.
    ("RB209", "import requests\nfrom tenacity import retry\n\n\nclass Registry:\n    def __init__(self) -> None:\n        self.session = requests.Session()\n\n"
     "    @retry\n    def upload(self, data: bytes) -> None:\n        self.session.post('https://registry', data=data, timeout=10)\n", [9], "app/x.py"),
    ("RB209", "import httpx\nfrom tenacity import retry\n\n\n@retry\nasync def ping(client: httpx.AsyncClient) -> None:\n    await client.get('/health')\n", [5], "app/x.py"),
    ("RB209", "import redis\nfrom tenacity import retry\n\ncache = redis.Redis()\n\n\n@retry\ndef remember(key: str) -> None:\n    cache.set(key, 1)\n", [], "app/x.py"),
    # Retrying objects: iterated, or called with the request.
    ("RB209", "import httpx\nfrom tenacity import Retrying, stop_after_attempt\n\n\ndef ping() -> None:\n    for attempt in Retrying(stop=stop_after_attempt(3)):\n        with attempt:\n            httpx.get('https://example.com/health')\n", [6], "app/x.py"),
    ("RB209", "import httpx\nfrom tenacity import AsyncRetrying\n\n\nasync def ping(client: httpx.AsyncClient) -> None:\n    async for attempt in AsyncRetrying():\n        with attempt:\n            await client.get('/health')\n", [6], "app/x.py"),
    ("RB209", "import httpx\nfrom tenacity import Retrying, retry_if_exception_type\n\n\ndef ping() -> None:\n    for attempt in Retrying(retry=retry_if_exception_type(httpx.TransportError)):\n        with attempt:\n            httpx.get('https://example.com/health')\n", [], "app/x.py"),
    ("RB209", "import requests\nfrom tenacity import Retrying\n\nbody = Retrying()(requests.get, 'https://example.com', timeout=5)\n", [4], "app/x.py"),
    ("RB209", "import httpx\nfrom tenacity import Retrying\n\nbody = Retrying()(lambda: httpx.get('https://example.com'))\n", [4], "app/x.py"),
    ("RB209", "from tenacity import Retrying\n\nbody = Retrying()(lambda: compute())\n", [], "app/x.py"),
    # A suppression on the decorator's line.
    ("RB209", HTTPX_RETRY.replace("@retry(stop=stop_after_attempt(3))", "@retry(stop=stop_after_attempt(3))  # noqa: RB209"), [], "app/billing.py"),
    # --- RB203 and RB204: a reason in the try body, the handler, or the docstring -------------------
    ("RB203", "try:\n    # The cache is optional: without it every read goes to the database.\n    warm_cache()\nexcept Exception:\n    pass\n", [], "app/x.py"),
    ("RB203", "try:  # optional: the cache may be down\n    warm_cache()\nexcept Exception:\n    pass\n", [], "app/x.py"),
    ("RB203", "try:\n    warm_cache()\n# Without the cache every read goes to the database.\nexcept Exception:\n    pass\n", [], "app/x.py"),
    ("RB203", "try:\n    warm_cache()\nexcept Exception:\n    pass  # the cache is optional\n", [], "app/x.py"),
    ("RB203", 'def close(conn) -> None:\n    """Close the connection, best effort: never raises."""\n    try:\n        conn.close()\n    except Exception:\n        pass\n', [], "app/x.py"),
    ("RB203", 'def close(conn) -> None:\n    """Close the connection; errors are logged and ignored."""\n    try:\n        conn.close()\n    except Exception:\n        pass\n', [], "app/x.py"),
    # No reason: a tool directive, a comment above the `try`, a docstring about something else,
    # a comment in an earlier handler.
    ("RB203", "try:\n    warm_cache()  # noqa: E501\nexcept Exception:\n    pass\n", [3], "app/x.py"),
    ("RB203", "try:\n    warm_cache()  # type: ignore[misc]\nexcept Exception:\n    pass\n", [3], "app/x.py"),
    ("RB203", "# Warm the cache.\ntry:\n    warm_cache()\nexcept Exception:\n    pass\n", [4], "app/x.py"),
    ("RB203", 'def parse(text) -> list:\n    """Split the text into words; ignores blank lines."""\n    try:\n        return text.split()\n    except Exception:\n        pass\n', [5], "app/x.py"),
    ("RB203", "try:\n    warm_cache()\nexcept KeyError:\n    # A missing key is fine.\n    pass\nexcept Exception:\n    pass\n", [6], "app/x.py"),
    # The docstring of the function the handler is in, not of one around it.
    ("RB203", 'def outer() -> None:\n    """Best effort."""\n    def inner() -> None:\n        try:\n            run()\n        except Exception:\n            pass\n    inner()\n', [6], "app/x.py"),
    ("RB204", "try:\n    # Best effort: a missing cache is rebuilt on the next request.\n    cache = load_cache()\nexcept Exception:\n    cache = None\n", [], "app/x.py"),
    ("RB204", 'def load() -> dict | None:\n    """Load the cache; failures are silently ignored."""\n    try:\n        return read_cache()\n    except Exception:\n        return None\n', [], "app/x.py"),
    ("RB204", "def load() -> dict | None:\n    try:\n        return read_cache()\n    except Exception:\n        return None\n", [4], "app/x.py"),
    # --- what reviewers raised on real services (benchmarks/error-recall.json) ---------------------------
    # The handler decodes the answer first, then handles one message and lets every other failure through.
    ("RB206", "import json\nfrom requests import HTTPError\n\n\ndef delete(session, url):\n    try:\n        response = session.delete(url, timeout=5)\n"
     "        response.raise_for_status()\n        return response\n    except HTTPError:\n        body = json.loads(response.content.decode('utf-8'))\n"
     "        if body.get('message') == 'Not Found' and response.status_code == 404:\n            return response\n", [10], "app/github.py"),
    ("RB206", "from requests import HTTPError\n\n\ndef label(session, url):\n    try:\n        return session.post(url, timeout=5).json()\n    except HTTPError:\n"
     "        data = response.json()\n        if any(error['code'] == 'already_exists' for error in data.get('errors', [])):\n            return {}\n", [7], "app/github.py"),
    # A preamble that does something with the failure (reports it) is no fall-through.
    ("RB206", "from requests import HTTPError\n\n\ndef label(session, url):\n    try:\n        return session.post(url, timeout=5).json()\n    except HTTPError as e:\n"
     "        report(e)\n        if e.response.status_code == 404:\n            return {}\n", [], "app/github.py"),
    # A narrow handler that turns an outage into an answer is not RB204's (probes and validators say it
    # so); one that logs it only at debug is RB207's.
    ("RB204", "import requests\n\n\ndef verify(token):\n    try:\n        return requests.post('u', data={'t': token}, timeout=5).ok\n"
     "    except (requests.RequestException, ValueError):\n        return False\n", [], "app/captcha.py"),
    ("RB204", "def load(path):\n    try:\n        return open(path).read()\n    except OSError:\n        return ''\n", [], "app/files.py"),
    ("RB207", "import requests\n\n\ndef pages(session, url):\n    try:\n        return session.get(url, timeout=5).json()\n"
     "    except requests.RequestException:\n        logger.debug('listing %s failed', url)\n        return []\n", [7], "app/pages.py"),
    # A comment in the try body says what the code tries, not why a failure is routine.
    ("RB207", QUIET.replace("        cache.reload()\n", "        # Reload from the primary.\n        cache.reload()\n"), [13], "app/cache.py"),
    # A backoff policy on the errors raise_for_status() raises, around code that raises for the status ...
    ("RB209", "import backoff, requests\n\n\n@backoff.on_exception(\n    backoff.expo,\n    requests.RequestException,\n)\n"
     "def push(url):\n    requests.put(url, timeout=5).raise_for_status()\n", [4], "app/hooks.py"),
    # ... but not around a request made here without a status check: a 4xx raises nothing.
    ("RB209", "import backoff, requests\n\n\n@backoff.on_exception(backoff.expo, requests.RequestException)\ndef push(url):\n    requests.put(url, timeout=5)\n", [], "app/hooks.py"),
    ("RB209", "import backoff, requests\n\n\n@backoff.on_exception(backoff.expo, (requests.ConnectionError, requests.Timeout))\n"
     "def push(url):\n    requests.put(url, timeout=5).raise_for_status()\n", [], "app/hooks.py"),
    # Celery's autoretry_for is not read: a few bounded retries of a background task were deliberate in every case judged.
    ("RB209", "import requests\nfrom celery import shared_task\n\n\n@shared_task(autoretry_for=(requests.RequestException,))\n"
     "def push(url):\n    requests.put(url, timeout=5).raise_for_status()\n", [], "app/tasks.py"),
    ("RB205", "import requests\n\nsession = requests.Session()\n\n\ndef deliver(prepared):\n    return session.send(prepared)\n", [7], "app/hooks.py"),
]


@pytest.mark.parametrize(("rule", "code", "expected", "path"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_case(rule, code, expected, path):
    # RB207 runs only when selected (the pack leaves it off).
    assert lines_of(scan(code, path, config=SELECTED), rule) == expected


# One finding per handler: RB203 (does nothing) before RB207 (logged too quietly) before RB204 (no trace).
ORDER = [
    ("try:\n    run()\nexcept Exception:\n    pass\n", "RB203"),
    ("try:\n    run()\nexcept Exception:\n    logger.debug('run failed')\n", "RB207"),
    ("try:\n    run()\nexcept Exception as exc:\n    logger.info('run failed: %s', exc)\n    status = 'failed'\n", "RB207"),
    ("try:\n    run()\nexcept Exception:\n    status = 'failed'\n", "RB204"),
    ("try:\n    run()\nexcept Exception:\n    logger.warning('run failed')\n", None),
]


@pytest.mark.parametrize(("code", "rule"), ORDER)
def test_one_finding_per_handler(code, rule):
    found = [f.rule for f in scan(code, "app/x.py", config=SELECTED) if f.rule in ("RB203", "RB204", "RB207")]
    assert found == ([rule] if rule else [])


def messages(code: str, rule: str, path: str = "app/x.py") -> list[str]:
    return [f.message for f in scan(code, path, config=SELECTED) if f.rule == rule]


def test_rb206_quotes_the_condition_and_says_what_to_add():
    (message,) = messages(GOOGLE_404, "RB206")
    assert message.startswith("the handler acts only when `e.resp.status == 404` and lets every other failure fall through silently")
    assert "`else: raise`" in message
    (chained,) = messages(google("if e.resp.status == 404:\n    return None\nelif e.resp.status == 403:\n    raise Forbidden(file_id)"), "RB206")
    assert "`e.resp.status == 404` (or its `elif`)" in chained


def test_rb206_reports_the_except_header():
    (finding,) = [f for f in scan(GOOGLE_404, "app/drive.py") if f.rule == "RB206"]
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (7, 5, 7, 27)


def test_rb207_message_says_what_to_do():
    (message,) = messages(QUIET, "RB207")
    assert "only trace in a debug/info log line" in message and "log.exception(...)" in message


def test_rb209_names_the_policy_and_the_transient_failures_of_the_library():
    (message,) = messages(HTTPX_RETRY, "RB209")
    assert message.startswith("`tenacity.retry` without `retry=` retries every exception, 4xx responses included, which will never succeed:")
    assert "`retry=retry_if_exception_type(httpx.TransportError)`" in message
    (message,) = messages(BACKOFF_RETRY, "RB209")
    assert message.startswith("`backoff.on_exception` on `Exception` retries every exception")
    assert "(requests.ConnectionError, requests.Timeout)" in message and "`giveup=`" in message
    (message,) = messages(HTTPX_RETRY.replace("stop_after_attempt(3))", "stop_after_attempt(3), retry=retry_if_exception_type())"), "RB209")
    assert message.startswith("`tenacity.retry` with `retry=retry_if_exception_type()` retries every exception")
    (message,) = messages("from urllib.request import urlopen\nfrom tenacity import retry\n\n\n@retry\ndef read(url: str) -> bytes:\n    return urlopen(url, timeout=5).read()\n", "RB209")
    assert "`HTTPError` below 500" in message


def test_rb209_reports_the_decorator_expression():
    (finding,) = [f for f in scan(HTTPX_RETRY, "app/billing.py", config=SELECTED) if f.rule == "RB209"]
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (5, 2, 5, 35)
