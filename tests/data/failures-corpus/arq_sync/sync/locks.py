import os

from redis.asyncio import Redis
from tenacity import retry, stop_after_attempt, wait_fixed

lock_client = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/5"))


@retry(stop=stop_after_attempt(5), wait=wait_fixed(0.2))
async def acquire_lock(name: str, ttl_seconds: int = 60) -> bool:
    return bool(await lock_client.set(f"lock:{name}", "1", nx=True, ex=ttl_seconds))
