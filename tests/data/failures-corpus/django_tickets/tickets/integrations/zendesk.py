from typing import Any

import requests
from django.conf import settings


class ZendeskClient:
    def __init__(self, subdomain: str, email: str, token: str) -> None:
        self.base_url = f"https://{subdomain}.zendesk.com/api/v2"
        self.session = requests.Session()
        self.session.auth = (f"{email}/token", token)

    def fetch_ticket(self, ticket_id: int) -> dict[str, Any]:
        """Fetch one ticket.

        Raises:
            requests.RequestException: if Zendesk is unreachable or answers with an error.
        """
        resp = self.session.get(f"{self.base_url}/tickets/{ticket_id}.json", timeout=10)
        resp.raise_for_status()
        return resp.json()["ticket"]

    def add_comment(self, ticket_id: int, body: str, public: bool = False) -> None:
        payload = {"ticket": {"comment": {"body": body, "public": public}}}
        resp = self.session.put(f"{self.base_url}/tickets/{ticket_id}.json", json=payload, timeout=10)  # expect: RB201
        resp.raise_for_status()


zendesk = ZendeskClient(settings.ZENDESK_SUBDOMAIN, settings.ZENDESK_EMAIL, settings.ZENDESK_TOKEN)
