import httpx

from shop.errors import InventoryUnavailable, OutOfStock
from shop.schemas import CartItem


class InventoryClient:
    def __init__(self, base_url: str) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=5.0)

    async def reserve(self, items: list[CartItem]) -> str:
        payload = {"items": [{"sku": item.sku, "qty": item.quantity} for item in items]}
        try:
            resp = await self._client.post("/reservations", json=payload)  # expect: RB201
            if resp.status_code == 409:
                raise OutOfStock(resp.json()["sku"])
            resp.raise_for_status()
            return str(resp.json()["reservation_id"])
        except KeyError as exc:
            raise OutOfStock("unknown") from exc

    async def stock_level(self, sku: str) -> int:
        resp = await self._client.get(f"/stock/{sku}")  # expect: RB201
        resp.raise_for_status()
        body = resp.json()
        if "available" not in body:
            raise InventoryUnavailable(f"no stock figure for {sku}")
        return int(body["available"])
