import httpx
from django.conf import settings

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"


def trigger(summary: str, severity: str = "error") -> str:
    body = {
        "routing_key": settings.PAGERDUTY_ROUTING_KEY,
        "event_action": "trigger",
        "payload": {"summary": summary, "severity": severity, "source": "tickets"},
    }
    resp = httpx.post(EVENTS_URL, json=body, timeout=10.0)  # expect: RB201
    resp.raise_for_status()
    return str(resp.json()["dedup_key"])
