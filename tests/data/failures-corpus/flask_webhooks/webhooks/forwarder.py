import logging
import os
from typing import Any

import backoff
import requests

logger = logging.getLogger(__name__)
CHAT_URL = os.environ.get("CHAT_WEBHOOK_URL", "https://chat.example.com/hooks/relay")
REGISTRY_URL = os.environ.get("HOOK_REGISTRY_URL", "http://hooks.internal/api")


class Forwarder:
    def __init__(self, targets: dict[str, str]) -> None:
        self.targets = targets
        self.session = requests.Session()

    @backoff.on_exception(backoff.expo, Exception, max_tries=5)  # expect: RB209
    def forward(self, event: str, payload: dict[str, Any]) -> None:
        url = self.targets.get(event)
        if url is None:
            return
        resp = self.session.post(url, json=payload, headers={"X-Event": event}, timeout=10)
        resp.raise_for_status()

    def notify_chat(self, text: str) -> None:
        try:
            self.session.post(CHAT_URL, json={"text": text}, timeout=5)
        except Exception as exc:  # expect: RB207
            logger.debug("chat notification failed: %s", exc)

    def deregister(self, hook_id: str) -> bool:
        try:
            resp = self.session.delete(f"{REGISTRY_URL}/hooks/{hook_id}", timeout=5)
            resp.raise_for_status()
        except requests.RequestException as exc:  # expect: RB206
            if exc.response is not None and exc.response.status_code == 404:
                return False
        return True

    def replay(self, delivery_id: str) -> None:
        resp = self.session.post(f"{REGISTRY_URL}/deliveries/{delivery_id}/replay", timeout=10)
        resp.raise_for_status()

    def audit(self, event: str, delivery_id: str) -> None:
        try:
            self.session.post(f"{REGISTRY_URL}/deliveries", json={"event": event, "id": delivery_id}, timeout=5)
        except Exception:
            logger.warning("could not record delivery %s", delivery_id, exc_info=True)


forwarder = Forwarder({
    "push": os.environ.get("CI_HOOK_URL", "http://ci.internal/hooks/push"),
    "invoice.paid": os.environ.get("BILLING_HOOK_URL", "http://billing.internal/hooks/paid"),
})
