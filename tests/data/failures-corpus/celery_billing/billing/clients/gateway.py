import os

import httpx


class PaymentGateway:
    def __init__(self, base_url: str, secret: str) -> None:
        self._http = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {secret}"}, timeout=15.0)

    def charge(self, customer_ref: str, amount_cents: int, idempotency_key: str) -> str:
        body = {"customer": customer_ref, "amount": amount_cents, "currency": "eur"}
        resp = self._http.post("/charges", json=body, headers={"Idempotency-Key": idempotency_key})  # expect: RB201
        resp.raise_for_status()
        return str(resp.json()["id"])

    def invoice_status(self, invoice_ref: str) -> str:
        resp = self._http.get(f"/invoices/{invoice_ref}")
        resp.raise_for_status()
        return str(resp.json()["status"])


gateway = PaymentGateway(os.environ.get("GATEWAY_URL", "https://api.gateway.example.com"), os.environ.get("GATEWAY_SECRET", ""))
