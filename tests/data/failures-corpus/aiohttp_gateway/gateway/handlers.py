import logging

import aiohttp
from aiohttp import web

from gateway import pricing
from gateway.config import ACCOUNTS_URL, UPSTREAM_TIMEOUT

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.get("/quotes/{symbol}")
async def get_quote(request: web.Request) -> web.Response:
    symbol = request.match_info["symbol"]
    async with aiohttp.ClientSession(timeout=UPSTREAM_TIMEOUT) as session:
        try:
            price = await pricing.fetch_quote(session, symbol)
        except aiohttp.ClientError as exc:
            raise web.HTTPBadGateway(text=f"quotes service failed: {exc}") from exc
    return web.json_response({"symbol": symbol, "price": str(price)})


@routes.post("/orders/quote")
async def quote_order(request: web.Request) -> web.Response:
    payload = await request.json()
    lines = [pricing.OrderLine(symbol=item["symbol"], quantity=int(item["quantity"])) for item in payload["lines"]]
    async with aiohttp.ClientSession(timeout=UPSTREAM_TIMEOUT) as session:
        total = await pricing.price_order(session, lines)  # expect: RB201
    return web.json_response({"total": str(total)})


@routes.view("/accounts/{account_id}")
class AccountView(web.View):
    async def get(self) -> web.Response:
        account_id = self.request.match_info["account_id"]
        async with aiohttp.ClientSession(timeout=UPSTREAM_TIMEOUT) as session:
            try:
                async with session.get(f"{ACCOUNTS_URL}/accounts/{account_id}") as resp:  # expect: RB201
                    body = await resp.json()
            except ValueError as exc:
                raise web.HTTPBadGateway(text="accounts service sent invalid JSON") from exc
        return web.json_response(body)

    async def delete(self) -> web.Response:
        account_id = self.request.match_info["account_id"]
        async with aiohttp.ClientSession(timeout=UPSTREAM_TIMEOUT) as session:
            try:
                async with session.delete(f"{ACCOUNTS_URL}/accounts/{account_id}", raise_for_status=True):
                    logger.info("account %s closed", account_id)
            except aiohttp.ClientError as exc:  # expect: RB206
                if isinstance(exc, aiohttp.ClientResponseError) and exc.status == 404:
                    return web.Response(status=204)
        return web.Response(status=204)
