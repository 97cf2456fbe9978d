import os
from typing import Any

import backoff
import requests


class WarehouseClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    @backoff.on_exception(backoff.expo, requests.RequestException, max_tries=4)  # expect: RB209
    def get_item(self, sku: str) -> dict[str, Any]:
        resp = self.session.get(f"{self.base_url}/items/{sku}", timeout=5)
        resp.raise_for_status()
        return resp.json()

    def set_quantity(self, sku: str, quantity: int) -> None:
        resp = self.session.put(f"{self.base_url}/items/{sku}/quantity", json={"quantity": quantity}, timeout=5)
        resp.raise_for_status()

    def all_items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = ""
        while True:
            resp = self.session.get(f"{self.base_url}/items", params={"cursor": cursor, "limit": 200}, timeout=10)
            resp.raise_for_status()
            page = resp.json()
            items.extend(page["items"])
            if not page.get("next_cursor"):
                break
            cursor = page["next_cursor"]
        return items


warehouse = WarehouseClient(os.environ.get("WAREHOUSE_URL", "http://warehouse.internal"))
