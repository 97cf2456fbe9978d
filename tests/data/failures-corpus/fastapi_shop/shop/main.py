from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

from shop.api import catalog, routes, webhooks


async def redis_unavailable(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": "cart service temporarily unavailable"}, status_code=503)


app = FastAPI(title="shop")
app.include_router(routes.router)
app.include_router(catalog.router)
app.include_router(webhooks.router)
app.add_exception_handler(RedisError, redis_unavailable)
