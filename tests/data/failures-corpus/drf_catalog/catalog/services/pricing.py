from typing import Any

import httpx
from django.conf import settings
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential


class PricingClient:
    def __init__(self, base_url: str) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=5.0)

    @retry(retry=retry_if_exception_type((httpx.ConnectError, httpx.ReadTimeout)), stop=stop_after_attempt(3), wait=wait_exponential(max=4))
    def current_price(self, sku: str) -> int:
        resp = self._http.get(f"/prices/{sku}")
        resp.raise_for_status()
        return int(resp.json()["amount_cents"])

    def history(self, sku: str) -> list[dict[str, Any]]:
        resp = self._http.get(f"/prices/{sku}/history", params={"days": 90})
        resp.raise_for_status()
        return list(resp.json()["points"])


pricing = PricingClient(settings.PRICING_URL)
