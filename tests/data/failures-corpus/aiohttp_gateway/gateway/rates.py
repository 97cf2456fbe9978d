import asyncio
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from gateway.config import RATES_URL, UPSTREAM_TIMEOUT


async def refresh_rates_forever(app: web.Application) -> None:
    async with aiohttp.ClientSession(timeout=UPSTREAM_TIMEOUT) as session:
        while True:  # expect: RB208
            async with session.get(RATES_URL) as resp:
                app["fx_rates"] = await resp.json()
            await asyncio.sleep(60)


async def start_rate_refresher(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(refresh_rates_forever(app))
    yield
    task.cancel()
