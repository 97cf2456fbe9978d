"""RB2xx, second edition: external calls through client objects, what guards them, what handles an error.

Each case is the shape it was found in on real projects (see docs/accuracy.md): a client class
holding a session, an async httpx client, a boto3 upload, a redis cache module, sqlite3
connections passed as annotated parameters, Sentry-reporting handlers, shadowing parameters.
"""

from __future__ import annotations

import pytest

from reviewbot.errors import ConfigError
from tests.conftest import escaping, lines_of, scan

SESSION_CLASS = """\
import requests


class Registry:
    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()

    def upload(self, data: bytes) -> None:
        self.session.post(self.url, data=data, timeout=10)
"""
HTTPX_ASYNC = """\
import httpx


async def fetch(url: str) -> bytes:
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    return response.content
"""
BOTO3_UPLOAD = """\
import boto3
import botocore.exceptions

s3 = boto3.client("s3")


def upload(path: str, bucket: str) -> bool:
    try:
        s3.upload_file(path, bucket, path)
    except botocore.exceptions.ClientError:
        return False
    return True


def size(bucket: str, key: str) -> int:
    return s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
"""
REDIS_CACHE = """\
import redis

cache = redis.Redis(host="cache", port=6379)


def remember(key: str, value: str) -> None:
    pipe = cache.pipeline()
    cache.setex(key, 60, value)
"""
SQLITE_PARAM = """\
import sqlite3


def save(conn: sqlite3.Connection, row: tuple[int, str]) -> None:
    cursor = conn.cursor()
    cursor.execute("INSERT INTO t VALUES (?, ?)", row)
    conn.commit()
"""
HELPERS = """\
import requests


def _fetch(url: str) -> str:
    return requests.get(url, timeout=1).text


class Feed:
    def _page(self, n: int) -> str:
        return _fetch(f"u/{n}")

    def _pages(self) -> list[str]:
        return [self._page(n) for n in range(3)] + [_fetch("u/all")]

    def load(self) -> list[str]:
        try:
            return self._pages()
        except requests.RequestException:
            return []
"""

# (rule, code, expected lines, path)
CASES = [
    # --- clients are recognised where backend code keeps them ---------------------------------------
    ("calls", SESSION_CLASS, [10], "app/registry.py"),
    ("calls", SESSION_CLASS.replace("        self.session.post(self.url, data=data, timeout=10)\n",
     "        try:\n            self.session.post(self.url, data=data, timeout=10)\n        except requests.RequestException:\n            raise\n"), [], "app/registry.py"),
    ("calls", HTTPX_ASYNC, [6], "app/fetch.py"),
    ("calls", HTTPX_ASYNC.replace("    async with", "    try:\n        async with").replace("        response = await", "            response = await")
     .replace("    return response.content", "    except httpx.HTTPError:\n        raise\n    return response.content"), [], "app/fetch.py"),
    ("calls", BOTO3_UPLOAD, [16], "app/storage.py"),
    ("calls", REDIS_CACHE, [8], "app/cache.py"),
    # A database in a local file is no service: its failures are the disk's (RB201 follows services).
    ("calls", SQLITE_PARAM, [], "app/store.py"),
    ("calls", SQLITE_PARAM.replace("sqlite3", "psycopg2").replace(".Connection", ".extensions.connection"), [6, 7], "app/store.py"),
    ("calls", "import requests\nfrom typing import Optional\n\ndef f(s: Optional[requests.Session], t: 'requests.Session | None') -> None:\n    s.get('u', timeout=1)\n    t.get('u', timeout=1)\n", [5, 6], "app/x.py"),
    ("calls", "from requests import Session\n\nclass Api:\n    session: Session\n\n    def ping(self) -> None:\n        self.session.head('u', timeout=1)\n", [7], "app/x.py"),
    ("calls", "import requests\n\ndef f(given: requests.Session | None = None) -> None:\n    s = given or requests.Session()\n    s.get('u', timeout=1)\n", [5], "app/x.py"),
    ("calls", "import urllib3\n\nurllib3.PoolManager().request('GET', 'u')\n", [3], "app/x.py"),
    ("calls", "import asyncpg\n\nclass Repo:\n    @classmethod\n    async def connect(cls) -> None:\n        cls.pool = await asyncpg.create_pool('dsn')\n\n    async def rows(self) -> list:\n        async with self.pool.acquire() as conn:\n            return await conn.fetch('SELECT 1')\n",
     [6, 9, 10], "app/x.py"),
    # A session belongs to the transaction the request opens (errors.session-calls-external).
    ("calls", "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\nengine = create_engine('sqlite://')\nSession = sessionmaker(bind=engine)\n\ndef count() -> int:\n    with Session() as session:\n        return session.scalar('SELECT 1')\n",
     [], "app/x.py"),
    ("calls", "import pymongo\n\nclient = pymongo.MongoClient()\n\ndef find(key: str) -> dict:\n    return client.shop.orders.find_one({'_id': key})\n", [6], "app/x.py"),
    ("calls", "import smtplib\n\ndef send(to: str) -> None:\n    server = smtplib.SMTP()\n    server.connect('mail')\n", [5], "app/x.py"),
    # Building a client does no I/O.
    ("calls", "import boto3, redis, requests, httpx\n\ns3 = boto3.client('s3')\nr = redis.Redis()\ns = requests.Session()\nc = httpx.Client()\nbucket = boto3.resource('s3').Bucket('b')\n", [], "app/x.py"),
    # --- shadowing: a local of the same spelling is not the import -----------------------------------
    ("calls", "import requests\n\ndef lookup(requests: dict[str, str], key: str) -> str:\n    return requests.get(key, '')\n", [], "app/x.py"),
    ("calls", "from subprocess import run\n\ndef f() -> None:\n    run = print\n    run('x')\n", [], "app/x.py"),
    ("calls", "from subprocess import run\n\nrun = print\nrun('x')\n", [], "app/x.py"),
    ("calls", "import requests\n\ndef f() -> None:\n    for requests in ([],):\n        requests.get(0)\n", [], "app/x.py"),
    ("calls", "import requests\n\ndef f() -> None:\n    global requests\n    requests.get('u', timeout=1)\n", [5], "app/x.py"),
    # A function's own names shadow imports in its body only: its decorators are the enclosing scope's.
    ("calls", "import requests\nfrom tenacity import retry\n\n@retry\ndef fetch(url: str, retry: int = 3) -> str:\n    return requests.get(url, timeout=1).text\n", [], "app/x.py"),
    # A module-level def after the import rebinds the name.
    ("calls", "from subprocess import run\n\ndef run(command: str) -> None:\n    print(command)\n\nrun('ls')\n", [], "app/x.py"),
    # An optional import's fallback leaves the import in place.
    ("calls", "try:\n    import requests\nexcept ImportError:\n    requests = None\n\nrequests.get('u', timeout=1)\n", [6], "app/x.py"),
    # --- what guards a call ------------------------------------------------------------------------
    ("calls", "import requests\n\ntry:\n    requests.get('u', timeout=1)\nexcept KeyError:\n    pass\n", [4], "app/x.py"),
    ("calls", "import requests, json\n\ntry:\n    requests.get('u', timeout=1)\nexcept (json.JSONDecodeError, ValueError):\n    pass\n", [4], "app/x.py"),
    ("calls", "import requests\n\ntry:\n    requests.get('u', timeout=1)\nexcept (KeyError, ConnectionError):\n    pass\n", [], "app/x.py"),
    ("calls", "import requests\nfrom requests.exceptions import Timeout\n\ntry:\n    requests.get('u', timeout=1)\nexcept Timeout:\n    pass\n", [], "app/x.py"),
    ("calls", "import requests\n\ntry:\n    requests.get('u', timeout=1)\nexcept ApiError:\n    pass\n", [], "app/x.py"),
    ("calls", "import redis\n\ntry:\n    redis.Redis().get('k')\nexcept redis.RedisError:\n    pass\n", [], "app/x.py"),
    # LLM APIs: any resource path of the client goes out; its own error family owns it.
    ("calls", "from openai import AsyncOpenAI\n\nllm = AsyncOpenAI()\n\nasync def ask(q: str) -> str:\n    reply = await llm.chat.completions.create(model='m', messages=[])\n    return reply.id\n", [6], "app/x.py"),
    ("calls", "import anthropic\n\nclient = anthropic.Anthropic()\n\ndef ask() -> None:\n    try:\n        client.messages.create(model='m', max_tokens=1, messages=[])\n    except anthropic.APIError:\n        raise\n", [], "app/x.py"),
    # A handler of the status error alone answers a 4xx or 5xx, not the connection errors of the call.
    ("calls", "import requests\n\ndef f() -> None:\n    try:\n        requests.get('u', timeout=1).raise_for_status()\n    except requests.HTTPError:\n        pass\n", [5], "app/x.py"),
    ("calls", "import httpx\n\nasync def f(c: httpx.AsyncClient) -> None:\n    try:\n        await c.get('u')\n    except (httpx.HTTPStatusError, httpx.TransportError):\n        pass\n", [], "app/x.py"),
    ("calls", "import redis, requests\n\ntry:\n    redis.Redis().get('k')\nexcept requests.RequestException:\n    pass\n", [4], "app/x.py"),
    ("calls", "import contextlib, requests\n\nwith contextlib.suppress(requests.RequestException):\n    requests.get('u', timeout=1)\n", [], "app/x.py"),
    ("calls", "import contextlib, requests\n\nwith contextlib.suppress(KeyError):\n    requests.get('u', timeout=1)\n", [4], "app/x.py"),
    ("calls", "from app.errors import ApiError\nimport requests\n\ntry:\n    requests.get('u', timeout=1)\nexcept ApiError:\n    pass\n", [], "app/x.py"),
    ("calls", "import subprocess\n\ntry:\n    subprocess.run(['ls'], check=True)\nexcept subprocess.CalledProcessError:\n    pass\n", [], "app/x.py"),
    ("calls", "import requests\n\ndef test_upload() -> None:\n    requests.get('http://localhost', timeout=1)\n", [], "tests/test_api.py"),
    # A helper that only calls itself has no caller here to guard it; a guard decided on the way
    # into a block stays decided on the way out, whatever the block imports.
    ("calls", "import requests\n\ndef _poll() -> None:\n    requests.get('u', timeout=1)\n    _poll()\n", [4], "app/x.py"),
    ("calls", "import requests\n\ndef f() -> None:\n    with suppress(ValueError):\n        from contextlib import suppress\n    requests.get('u', timeout=1)\n", [6], "app/x.py"),
    # --- a helper's failure escapes it, whoever calls it: its callers are judged in the project phase ---
    ("calls", HELPERS, [5], "app/x.py"),
    # --- a failing command raises only with check=True; without it the caller reads a return code ---
    ("calls", "import subprocess\n\nsubprocess.run('git describe', shell=True, capture_output=True)\n", [], "app/x.py"),
    ("calls", "import subprocess\n\ntry:\n    subprocess.run(['git', 'describe'])\nexcept OSError:\n    pass\n", [], "app/x.py"),
    ("calls", "import subprocess\n\ntry:\n    subprocess.run(['git'], check=True)\nexcept subprocess.TimeoutExpired:\n    pass\n", [], "app/x.py"),
    ("calls", "import subprocess\n\ntry:\n    subprocess.run(['git'], check=True)\nexcept KeyError:\n    pass\n", [4], "app/x.py"),
    # Methods that only build something locally.
    ("calls", "import redis\n\nr = redis.Redis()\nscript = r.register_script('return 1')\npipe = r.pipeline()\n", [], "app/x.py"),
    # --- a handler whose author wrote down why it ignores the error ---------------------------------
    ("RB203", "try:\n    run()\nexcept Exception:  # templates must never raise\n    pass\n", [], "app/x.py"),
    ("RB204", "try:\n    run()\nexcept Exception:\n    # Best effort: a missing cache is rebuilt on the next request.\n    cache = None\n", [], "app/x.py"),
    # --- RB204: a handler that reports, logs at any level, re-raises or inspects the error ----------
    ("RB204", "import sentry_sdk\n\ntry:\n    run()\nexcept Exception:\n    sentry_sdk.capture_exception()\n", [], "app/x.py"),
    ("RB204", "try:\n    run()\nexcept Exception:\n    log.debug('failed', exc_info=True)\n", [], "app/x.py"),
    ("RB204", "import six, sys\n\ntry:\n    run()\nexcept Exception:\n    six.reraise(*sys.exc_info())\n", [], "app/x.py"),
    ("RB204", "import traceback\n\ntry:\n    run()\nexcept Exception:\n    traceback.print_exc()\n", [], "app/x.py"),
    ("RB204", "try:\n    run()\nexcept Exception:\n    status = 'failed'\n", [3], "app/x.py"),
    ("RB204", "try:\n    run()\nexcept Exception:\n    status = 'failed'\n", [], "tests/test_x.py"),
    ("RB203", "try:\n    run()\nexcept Exception:\n    pass\n", [], "tests/test_x.py"),
    # --- RB205 on clients ------------------------------------------------------------------------
    ("RB205", SESSION_CLASS.replace(", timeout=10", ""), [10], "app/registry.py"),
    ("RB205", SESSION_CLASS, [], "app/registry.py"),
    ("RB205", SESSION_CLASS.replace(", timeout=10", ", **self.options"), [], "app/registry.py"),
    ("RB205", HTTPX_ASYNC, [], "app/fetch.py"),
    ("RB205", HTTPX_ASYNC.replace("client.get(url)", "client.get(url, timeout=None)"), [6], "app/fetch.py"),
    ("RB205", "import urllib3\n\nhttp = urllib3.PoolManager()\nhttp.request('GET', 'u', timeout=None)\n", [4], "app/x.py"),
]


@pytest.mark.parametrize(("rule", "code", "expected", "path"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_case(rule, code, expected, path):
    # ``calls``: the external calls that escape their function (RB201's facts).
    assert (escaping(code, path) if rule == "calls" else lines_of(scan(code, path), rule)) == expected


def messages(code: str, rule: str) -> list[str]:
    return [f.message for f in scan(code, "app/x.py") if f.rule == rule]


def test_rb204_message_claims_only_what_is_missing():
    (message,) = messages("try:\n    run()\nexcept Exception:\n    status = 'failed'\n", "RB204")
    assert "no re-raise, log, error report, or use of it" in message and "log.exception" in message


def test_clients_are_configurable_and_validated():
    code = "import acme\n\napi = acme.Client()\napi.charge(10)\n"
    assert escaping(code) == []
    config = {"errors": {"extend-clients": {"acme.Client": {"methods": ["charge"]}}}}
    assert escaping(code, config=config) == [4]
    for bad, where in (
        ({"acme.Client": ["charge"]}, "errors.extend-clients.acme.Client"),
        ({"acme.Client": {"method": ["charge"]}}, "errors.extend-clients.acme.Client.method"),
        ({"acme.Client": {"methods": "charge"}}, "errors.extend-clients.acme.Client.methods"),
        ({"acme.Client": {"returns": {"open": "acme.Nothing"}}}, "errors.extend-clients.acme.Client.returns.open"),
    ):
        with pytest.raises(ConfigError, match=f"^{where.replace('.', '[.]')}: "):
            scan(code, "app/x.py", config={"errors": {"extend-clients": bad}})
