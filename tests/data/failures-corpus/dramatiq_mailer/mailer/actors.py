import os
import smtplib
from email.message import EmailMessage

import dramatiq
import requests

from mailer import broker  # noqa: F401  (installs the broker before the actors are declared)
from mailer.store import remove_webhook, save_suppressions

SMTP_HOST = os.environ.get("SMTP_HOST", "smtp.example.com")
ESP_URL = os.environ.get("ESP_URL", "https://api.esp.example.com/v1")
ANALYTICS_URL = os.environ.get("ANALYTICS_URL", "http://analytics.internal")


@dramatiq.actor(queue_name="emails", max_retries=5, min_backoff=10_000)
def send_welcome_email(address: str, name: str) -> None:
    message = EmailMessage()
    message["To"] = address
    message["From"] = "hello@example.com"
    message["Subject"] = f"Welcome aboard, {name}"
    message.set_content(f"Hi {name},\n\nthanks for signing up.\n")
    with smtplib.SMTP(SMTP_HOST, 587, timeout=30) as smtp:
        smtp.starttls()
        smtp.send_message(message)


@dramatiq.actor
def refresh_suppressions() -> None:
    resp = requests.get(f"{ESP_URL}/suppressions", timeout=30)
    resp.raise_for_status()
    save_suppressions(resp.json()["addresses"])


@dramatiq.actor(max_retries=0)
def track_open(message_id: str, opened_at: str) -> None:
    event = {"type": "email.open", "message_id": message_id, "at": opened_at}
    requests.post(f"{ANALYTICS_URL}/events", json=event, timeout=5)  # expect: RB201


@dramatiq.actor(queue_name="webhooks", max_retries=0)
def deliver_bounce(url: str, payload: dict[str, str]) -> None:
    try:
        resp = requests.post(url, json=payload, timeout=10)
        resp.raise_for_status()
    except requests.RequestException as exc:  # expect: RB206
        if exc.response is not None and exc.response.status_code == 410:
            remove_webhook(url)
