from typing import Any

import requests
from celery import Task

from billing.celery import app as celery_app
from billing.clients.ledger import ledger
from billing.decorators import guarded, timed


def build_entries(day: str) -> list[dict[str, Any]]:
    return [{"day": day, "account": "revenue", "amount_cents": 0}]


@celery_app.task(bind=True, max_retries=5)
def export_ledger(self: Task, day: str) -> int:
    entries = build_entries(day)
    try:
        return ledger.post_entries(entries)
    except requests.RequestException as exc:
        raise self.retry(exc=exc, countdown=120)


@celery_app.task
@guarded
def reconcile_payouts(day: str) -> int:
    payouts = ledger.payouts(day)
    return sum(1 for payout in payouts if payout["status"] != "settled")


@celery_app.task
@timed
def close_period(period: str) -> None:
    ledger.close_period(period)
