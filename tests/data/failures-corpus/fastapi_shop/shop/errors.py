from fastapi import HTTPException


class ShopError(Exception):
    """Base class for the shop's own failures."""


class InventoryUnavailable(ShopError):
    pass


class OutOfStock(HTTPException):
    def __init__(self, sku: str) -> None:
        super().__init__(status_code=409, detail=f"{sku} is out of stock")
        self.sku = sku
