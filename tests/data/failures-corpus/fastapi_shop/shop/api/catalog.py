from fastapi import APIRouter, Depends, HTTPException

from shop.api.deps import get_inventory_client
from shop.clients.inventory import InventoryClient
from shop.errors import ShopError
from shop.schemas import StockOut

router = APIRouter(prefix="/shop/products", tags=["catalog"])


@router.get("/{sku}/stock", response_model=StockOut)
async def product_stock(sku: str, inventory: InventoryClient = Depends(get_inventory_client)) -> StockOut:
    try:
        available = await inventory.stock_level(sku)
    except ShopError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc
    return StockOut(sku=sku, available=available)
