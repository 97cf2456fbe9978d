from typing import Any

import httpx
from fastapi import APIRouter, Request

from shop.config import settings

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class PaymentEventHandlers:
    def __init__(self) -> None:
        self._client = httpx.AsyncClient(base_url=settings.inventory_url, timeout=5.0)

    async def on_charge_refunded(self, payload: dict[str, Any]) -> None:
        await self._client.post("/reservations/release", json={"charge_id": payload["id"]})

    async def on_charge_disputed(self, payload: dict[str, Any]) -> None:
        await self._client.post("/holds", json={"charge_id": payload["id"], "reason": "dispute"})


handlers = PaymentEventHandlers()


@router.post("/payments")
async def payment_event(request: Request) -> dict[str, str]:
    event = await request.json()
    handler = getattr(handlers, "on_" + event["type"].replace(".", "_"), None)
    if handler is not None:
        await handler(event["data"])
    return {"status": "accepted"}
