from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Charge:
    id: str
    status: str
    amount_cents: int


class PaymentsClient:
    def __init__(self, base_url: str, api_key: str) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=10.0,
        )

    async def create_charge(self, amount_cents: int, card_token: str) -> Charge:
        """Charge a card.

        Raises:
            httpx.HTTPError: when the provider is unreachable or declines the request.
        """
        resp = await self._client.post("/v1/charges", json={"amount": amount_cents, "source": card_token})
        resp.raise_for_status()
        body = resp.json()
        return Charge(id=body["id"], status=body["status"], amount_cents=amount_cents)

    async def refund(self, charge_id: str) -> None:
        resp = await self._client.post(f"/v1/charges/{charge_id}/refunds")  # expect: RB201
        resp.raise_for_status()

    async def get_charge(self, charge_id: str) -> Charge | None:
        try:
            resp = await self._client.get(f"/v1/charges/{charge_id}")
            resp.raise_for_status()
            body = resp.json()
            return Charge(id=body["id"], status=body["status"], amount_cents=body["amount"])
        except httpx.HTTPError as exc:  # expect: RB206
            if isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code == 404:
                return None
