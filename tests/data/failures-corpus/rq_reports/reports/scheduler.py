import logging
import os
from datetime import datetime, timedelta, timezone

import backoff
import requests
from apscheduler.schedulers.background import BackgroundScheduler
from botocore.exceptions import BotoCoreError, ClientError
from redis import Redis

from reports.storage import exports

logger = logging.getLogger(__name__)
METRICS_URL = os.environ.get("METRICS_URL", "http://metrics.internal")
HEALTHCHECK_URL = os.environ.get("HEALTHCHECK_URL", "https://hc.example.com/ping/reports")
cache = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
scheduler = BackgroundScheduler(timezone="UTC")


@scheduler.scheduled_job("interval", minutes=15, id="dashboard-cache")
def refresh_dashboard_cache() -> None:
    resp = requests.get(f"{METRICS_URL}/api/dashboard", timeout=20)  # expect: RB201
    resp.raise_for_status()
    cache.set("dashboard:summary", resp.content, ex=1800)  # expect: RB201


def prune_old_exports() -> None:
    cutoff = datetime.now(timezone.utc) - timedelta(days=90)
    keys = exports.keys_older_than("sales/", cutoff)
    if not keys:
        return
    try:
        exports.delete(keys)
    except (BotoCoreError, ClientError):
        logger.warning("could not prune %d old exports", len(keys), exc_info=True)


@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=3)
def ping_healthcheck() -> None:
    requests.get(HEALTHCHECK_URL, timeout=5)


scheduler.add_job(prune_old_exports, "cron", hour=4, minute=30)
scheduler.add_job(ping_healthcheck, "interval", minutes=1)
