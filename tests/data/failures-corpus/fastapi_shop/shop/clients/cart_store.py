import json

from redis.asyncio import Redis

from shop.schemas import Cart


class CartStore:
    """Carts live in redis; a redis outage is answered by the app-wide RedisError handler."""

    def __init__(self, url: str) -> None:
        self._redis = Redis.from_url(url, decode_responses=True)

    async def load(self, cart_id: str) -> Cart | None:
        raw = await self._redis.get(f"cart:{cart_id}")
        if raw is None:
            return None
        return Cart.model_validate(json.loads(raw))

    async def clear(self, cart_id: str) -> None:
        await self._redis.delete(f"cart:{cart_id}")
