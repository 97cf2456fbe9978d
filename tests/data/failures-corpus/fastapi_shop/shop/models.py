from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int]
    charge_id: Mapped[str] = mapped_column(String(64))
    total_cents: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="paid")
