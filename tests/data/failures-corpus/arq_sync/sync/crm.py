from typing import Any

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_fixed


class CrmClient:
    def __init__(self, base_url: str, token: str) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Token {token}"}, timeout=20.0)

    @retry(retry=retry_if_exception_type(Exception), stop=stop_after_attempt(4), wait=wait_fixed(2))  # expect: RB209
    async def get_customer(self, customer_id: int) -> dict[str, Any]:
        resp = await self._client.get(f"/customers/{customer_id}")
        resp.raise_for_status()
        return dict(resp.json())

    @retry(retry=retry_if_exception_type(httpx.TransportError), stop=stop_after_attempt(3), reraise=True)
    async def list_customers(self, page: int) -> list[dict[str, Any]]:
        resp = await self._client.get("/customers", params={"page": page, "per_page": 100})
        resp.raise_for_status()
        return list(resp.json()["results"])

    async def aclose(self) -> None:
        await self._client.aclose()
