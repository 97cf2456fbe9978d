from typing import Any

import requests
from django.conf import settings


class InvalidAccount(Exception):
    def __init__(self, iban: str) -> None:
        super().__init__(f"bank rejected account {iban[:4]}...")
        self.iban = iban


class BankClient:
    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"ApiKey {api_key}"})

    def submit_batch(self, payments: list[dict[str, Any]]) -> str:
        resp = self.session.post(f"{self.base_url}/batches", json={"payments": payments}, timeout=30)
        resp.raise_for_status()
        return str(resp.json()["batch_id"])

    def verify_account(self, iban: str) -> bool:
        try:
            resp = self.session.post(f"{self.base_url}/accounts/verify", json={"iban": iban}, timeout=10)
            resp.raise_for_status()
        except requests.RequestException as exc:
            if exc.response is not None and exc.response.status_code == 422:
                raise InvalidAccount(iban) from exc
            raise
        return bool(resp.json()["valid"])


bank = BankClient(settings.BANK_API_URL, settings.BANK_API_KEY)
