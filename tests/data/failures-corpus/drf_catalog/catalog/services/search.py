import requests
from django.conf import settings


def query(text: str, limit: int = 50) -> list[str]:
    resp = requests.get(f"{settings.SEARCH_URL}/search", params={"q": text, "limit": limit}, timeout=3)
    resp.raise_for_status()
    return [hit["sku"] for hit in resp.json()["hits"]]


def suggest(prefix: str) -> list[str]:
    resp = requests.get(f"{settings.SEARCH_URL}/suggest", params={"prefix": prefix}, timeout=2)
    resp.raise_for_status()
    return list(resp.json()["suggestions"])
