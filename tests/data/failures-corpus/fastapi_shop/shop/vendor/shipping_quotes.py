"""Vendored from the carrier's sample code; not wired into the API yet."""
import requests

CARRIER_URL = "https://rates.carrier.example.com/v2/quote"


def quote(weight_grams: int, postcode: str) -> float:
    resp = requests.post(CARRIER_URL, json={"weight": weight_grams, "to": postcode}, timeout=10)
    resp.raise_for_status()
    return float(resp.json()["price"])


def quotes_for(parcels: list[tuple[int, str]]) -> list[float]:
    return [quote(weight, postcode) for weight, postcode in parcels]
