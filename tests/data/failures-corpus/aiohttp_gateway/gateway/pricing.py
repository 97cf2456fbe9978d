from dataclasses import dataclass
from decimal import Decimal

import aiohttp

from gateway.config import QUOTES_URL


@dataclass(frozen=True)
class OrderLine:
    symbol: str
    quantity: int


async def fetch_quote(session: aiohttp.ClientSession, symbol: str) -> Decimal:
    """Latest price for one symbol.

    Raises:
        aiohttp.ClientError: when the quotes service fails or answers with an error status.
    """
    async with session.get(f"{QUOTES_URL}/quotes/{symbol}", raise_for_status=True) as resp:
        body = await resp.json()
    return Decimal(str(body["price"]))


async def price_order(session: aiohttp.ClientSession, lines: list[OrderLine]) -> Decimal:
    """Value of an order at current prices.

    Raises:
        aiohttp.ClientError: when a quote cannot be fetched.
    """
    total = Decimal("0")
    for line in lines:
        total += await fetch_quote(session, line.symbol) * line.quantity
    return total
