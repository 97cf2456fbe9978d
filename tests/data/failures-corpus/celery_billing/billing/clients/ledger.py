import os
from typing import Any

import requests


class LedgerClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def post_entries(self, entries: list[dict[str, Any]]) -> int:
        """Append journal entries.

        Raises:
            requests.RequestException: when the ledger rejects the batch or cannot be reached.
        """
        resp = self.session.post(f"{self.base_url}/entries", json={"entries": entries}, timeout=30)
        resp.raise_for_status()
        return int(resp.json()["accepted"])

    def payouts(self, day: str) -> list[dict[str, Any]]:
        resp = self.session.get(f"{self.base_url}/payouts", params={"day": day}, timeout=30)
        resp.raise_for_status()
        return list(resp.json()["payouts"])

    def close_period(self, period: str) -> None:
        resp = self.session.post(f"{self.base_url}/periods/{period}/close", timeout=60)  # expect: RB201
        resp.raise_for_status()


ledger = LedgerClient(os.environ.get("LEDGER_URL", "http://ledger.internal"))
