from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession

from shop.api.deps import get_cart_store, get_checkout_service, get_payments_client
from shop.clients.cart_store import CartStore
from shop.clients.payments import PaymentsClient
from shop.db import get_session
from shop.models import Order
from shop.schemas import CheckoutIn, OrderOut
from shop.services.checkout import CheckoutService

router = APIRouter(prefix="/shop", tags=["orders"])


@router.post("/checkout", response_model=OrderOut, status_code=201)
async def checkout(
    body: CheckoutIn,
    service: CheckoutService = Depends(get_checkout_service),
    carts: CartStore = Depends(get_cart_store),
) -> OrderOut:
    cart = await carts.load(body.cart_id)
    if cart is None:
        raise HTTPException(status_code=404, detail="cart not found")
    order = await service.place_order(cart, body.card_token)
    await carts.clear(body.cart_id)
    return OrderOut.model_validate(order)


@router.post("/orders/{order_id}/refund", status_code=202)
async def refund_order(
    order_id: int,
    session: AsyncSession = Depends(get_session),
    payments: PaymentsClient = Depends(get_payments_client),
) -> dict[str, str]:
    order = await session.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    await payments.refund(order.charge_id)
    order.status = "refunded"
    await session.commit()
    return {"status": "refunded"}


@router.get("/customers/{customer_id}/orders", response_model=list[OrderOut])
async def customer_orders(customer_id: int, service: CheckoutService = Depends(get_checkout_service)) -> list[OrderOut]:
    orders = await service.recent_orders(customer_id)
    return [OrderOut.model_validate(order) for order in orders]
