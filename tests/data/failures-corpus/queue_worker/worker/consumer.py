import json
import logging
import time
from typing import Any

import redis
import requests

logger = logging.getLogger(__name__)


class Consumer:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        self.session = requests.Session()

    def run(self) -> None:
        logger.info("consumer started")
        while True:  # expect: RB208
            popped = self.redis.blpop(["jobs:high", "jobs:default"], timeout=5)
            if popped is None:
                continue
            _, raw = popped
            try:
                self.handle(json.loads(raw))
            except Exception:
                logger.exception("job failed: %r", raw)

    def handle(self, job: dict[str, Any]) -> None:
        resp = self.session.post(job["callback_url"], json=job["payload"], timeout=10)
        resp.raise_for_status()


class DelayedJobMover:
    """Moves due jobs from the delayed sorted set back onto the main queue."""

    def __init__(self, client: redis.Redis, interval: float = 1.0) -> None:
        self.redis = client
        self.interval = interval

    def run(self) -> None:
        while True:
            try:
                due = self.redis.zrangebyscore("jobs:delayed", 0, time.time(), start=0, num=100)
                for raw in due:
                    if self.redis.zrem("jobs:delayed", raw):
                        self.redis.rpush("jobs:default", raw)
            except redis.RedisError:
                logger.warning("redis unavailable, retrying in %.0fs", self.interval * 5, exc_info=True)
                time.sleep(self.interval * 5)
                continue
            time.sleep(self.interval)
