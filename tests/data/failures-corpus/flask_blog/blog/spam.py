import os

import requests


class SpamFilter:
    def __init__(self, api_url: str, api_key: str) -> None:
        self.api_url = api_url
        self.session = requests.Session()
        self.session.headers["X-Api-Key"] = api_key

    def is_spam(self, text: str) -> bool:
        resp = self.session.post(f"{self.api_url}/check", json={"text": text}, timeout=5)
        resp.raise_for_status()
        return float(resp.json()["score"]) > 0.8


spam_filter = SpamFilter(
    os.environ.get("SPAM_API_URL", "https://spam.example.com"),
    os.environ.get("SPAM_API_KEY", ""),
)
