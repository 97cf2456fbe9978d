from typing import Any

from flask import request
from flask_restful import Resource, abort

from inventory.images import images
from inventory.warehouse import warehouse


class ItemListResource(Resource):
    def get(self) -> list[dict[str, Any]]:
        return warehouse.all_items()


class ItemResource(Resource):
    def get(self, sku: str) -> dict[str, Any]:
        item = warehouse.get_item(sku)
        item["has_image"] = images.exists(sku)
        return item

    def put(self, sku: str) -> tuple[dict[str, Any], int]:
        quantity = int(request.get_json(force=True)["quantity"])
        if quantity < 0:
            abort(400, message="quantity must be >= 0")
        warehouse.set_quantity(sku, quantity)
        return {"sku": sku, "quantity": quantity}, 200


class ItemImageResource(Resource):
    def get(self, sku: str) -> dict[str, Any]:
        url = images.signed_url(sku)
        if url is None:
            abort(404, message=f"no image for {sku}")
        return {"sku": sku, "url": url}

    def post(self, sku: str) -> tuple[dict[str, str], int]:
        upload = request.files["image"]
        key = images.upload(sku, upload.read())
        return {"sku": sku, "key": key}, 201
