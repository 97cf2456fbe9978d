import os
from decimal import Decimal

import requests

RATES_URL = os.environ.get("RATES_URL", "https://fx.example.com/history")


def fetch_rates(day: str) -> dict[str, Decimal]:
    resp = requests.get(f"{RATES_URL}/{day}", params={"base": "EUR"}, timeout=10)  # expect: RB201
    resp.raise_for_status()
    return {code: Decimal(str(value)) for code, value in resp.json()["rates"].items()}


def store_rates(day: str, rates: dict[str, Decimal]) -> None:
    with open(f"/var/lib/billing/rates-{day}.csv", "w", encoding="utf-8") as fh:
        fh.writelines(f"{code},{value}\n" for code, value in sorted(rates.items()))
