from functools import lru_cache

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from shop.clients.cart_store import CartStore
from shop.clients.inventory import InventoryClient
from shop.clients.payments import PaymentsClient
from shop.config import settings
from shop.db import get_session
from shop.services.checkout import CheckoutService


@lru_cache
def get_payments_client() -> PaymentsClient:
    return PaymentsClient(settings.payments_url, settings.payments_api_key)


@lru_cache
def get_inventory_client() -> InventoryClient:
    return InventoryClient(settings.inventory_url)


@lru_cache
def get_cart_store() -> CartStore:
    return CartStore(settings.redis_url)


def get_checkout_service(
    session: AsyncSession = Depends(get_session),
    payments: PaymentsClient = Depends(get_payments_client),
    inventory: InventoryClient = Depends(get_inventory_client),
) -> CheckoutService:
    return CheckoutService(session=session, payments=payments, inventory=inventory)
