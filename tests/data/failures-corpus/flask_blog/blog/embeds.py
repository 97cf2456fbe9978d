import json
from typing import Any

import urllib3

http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2.0, read=5.0), retries=False)
OEMBED_URL = "https://oembed.example.com/oembed"


def fetch_oembed(url: str) -> dict[str, Any] | None:
    resp = http.request("GET", OEMBED_URL, fields={"url": url, "format": "json"})  # expect: RB201
    if resp.status != 200:
        return None
    try:
        return json.loads(resp.data)
    except ValueError:
        return None
