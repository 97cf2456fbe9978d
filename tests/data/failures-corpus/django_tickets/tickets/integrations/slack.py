import requests
from django.conf import settings


def post_message(channel: str, text: str) -> None:
    resp = requests.post(settings.SLACK_WEBHOOK_URL, json={"channel": channel, "text": text}, timeout=5)  # expect: RB201
    resp.raise_for_status()


def format_ticket(ticket_id: int, subject: str) -> str:
    return f"<https://support.example.com/tickets/{ticket_id}|#{ticket_id}> {subject}"
