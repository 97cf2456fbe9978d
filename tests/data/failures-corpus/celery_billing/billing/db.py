import os

from sqlalchemy import ForeignKey, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

engine = create_engine(os.environ.get("DATABASE_URL", "postgresql+psycopg://billing@localhost/billing"))
SessionLocal = sessionmaker(bind=engine)


class Base(DeclarativeBase):
    pass


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_ref: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_ref: Mapped[str] = mapped_column(String(64))
    amount_cents: Mapped[int]
    period: Mapped[str] = mapped_column(String(7))
    last_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    last_charge_id: Mapped[str | None] = mapped_column(String(64))
