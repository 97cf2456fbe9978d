import logging

import httpx
from celery import Task, shared_task

from billing.clients.gateway import gateway
from billing.db import Invoice, SessionLocal, Subscription
from billing.rates import fetch_rates, store_rates

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(httpx.HTTPError,), retry_backoff=True, max_retries=5)
def sync_invoice_status(invoice_id: int) -> None:
    with SessionLocal() as session:
        invoice = session.get(Invoice, invoice_id)
        if invoice is None:
            return
        invoice.status = gateway.invoice_status(invoice.external_ref)
        session.commit()


@shared_task(bind=True, max_retries=3)
def charge_subscription(self: Task, subscription_id: int) -> str | None:
    with SessionLocal() as session:
        sub = session.get(Subscription, subscription_id)
        if sub is None:
            return None
        charge_id = gateway.charge(sub.customer_ref, sub.amount_cents, f"sub-{sub.id}-{sub.period}")
        sub.last_charge_id = charge_id
        session.flush()
        session.commit()
    return charge_id


@shared_task(autoretry_for=(Exception,), max_retries=3, retry_backoff=True)
def refresh_rates(day: str) -> None:
    rates = fetch_rates(day)
    store_rates(day, rates)
    logger.info("stored %d rates for %s", len(rates), day)
