from pydantic import BaseModel, ConfigDict


class CartItem(BaseModel):
    sku: str
    quantity: int
    unit_cents: int


class Cart(BaseModel):
    customer_id: int
    items: list[CartItem]

    @property
    def total_cents(self) -> int:
        return sum(item.quantity * item.unit_cents for item in self.items)


class CheckoutIn(BaseModel):
    cart_id: str
    card_token: str


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    charge_id: str
    total_cents: int
    status: str


class StockOut(BaseModel):
    sku: str
    available: int
