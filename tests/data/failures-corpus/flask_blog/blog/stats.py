import redis

view_counter = redis.Redis(host="localhost", port=6379, db=2, socket_timeout=1)


def record_view(slug: str) -> int:
    return int(view_counter.incr(f"views:{slug}"))  # expect: RB201


def popular(limit: int = 10) -> list[str]:
    try:
        slugs = view_counter.zrevrange("views:ranking", 0, limit - 1)
    except redis.RedisError:
        return []
    return [slug.decode() for slug in slugs]


def cache_alive() -> bool:
    return bool(view_counter.ping())  # expect: RB201
