import os

import redis
import requests

from billing.celery import app

MAIL_API_URL = os.environ.get("MAIL_API_URL", "https://mail.example.com/v3/send")
METERING_URL = os.environ.get("METERING_URL", "http://metering.internal/api/usage")
lock_store = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/2"))


@app.task(autoretry_for=(redis.RedisError,), retry_backoff=True)
def send_dunning_email(customer_email: str, invoice_ref: str) -> None:
    if not lock_store.set(f"dunning:{invoice_ref}", "1", nx=True, ex=86400):
        return
    message = {"to": customer_email, "template": "dunning", "vars": {"invoice": invoice_ref}}
    resp = requests.post(MAIL_API_URL, json=message, timeout=10)  # expect: RB201
    resp.raise_for_status()


@app.task(autoretry_for=(Exception,), max_retries=3, retry_backoff=True)
def push_usage(customer_ref: str, period: str, units: int) -> None:
    resp = requests.put(f"{METERING_URL}/{customer_ref}/{period}", json={"units": units}, timeout=10)
    resp.raise_for_status()
