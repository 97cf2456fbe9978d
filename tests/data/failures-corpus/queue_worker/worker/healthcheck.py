"""Container health check: exits 0 when the worker's metrics endpoint answers."""
import os
import sys

import requests

DEFAULT_URL = "http://localhost:9100/healthz"


if __name__ == "__main__":
    url = os.environ.get("WORKER_HEALTH_URL", DEFAULT_URL)
    session = requests.Session()
    resp = session.get(url, timeout=3)  # expect: RB201
    sys.exit(0 if resp.ok else 1)
