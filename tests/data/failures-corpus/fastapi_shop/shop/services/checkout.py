from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.clients.inventory import InventoryClient
from shop.clients.payments import PaymentsClient
from shop.models import Order
from shop.schemas import Cart


class CheckoutService:
    def __init__(self, session: AsyncSession, payments: PaymentsClient, inventory: InventoryClient) -> None:
        self.session = session
        self.payments = payments
        self.inventory = inventory

    async def place_order(self, cart: Cart, card_token: str) -> Order:
        await self.inventory.reserve(cart.items)
        charge = await self.payments.create_charge(cart.total_cents, card_token)  # expect: RB201
        order = Order(customer_id=cart.customer_id, charge_id=charge.id, total_cents=cart.total_cents)
        self.session.add(order)
        await self.session.flush()
        await self.session.commit()
        return order

    async def recent_orders(self, customer_id: int) -> list[Order]:
        result = await self.session.execute(
            select(Order).where(Order.customer_id == customer_id).order_by(Order.id.desc()).limit(20)
        )
        return list(result.scalars())

    async def order_count(self, customer_id: int) -> int:
        stmt = select(Order.id).where(Order.customer_id == customer_id)
        return len((await self.session.scalars(stmt)).all())
