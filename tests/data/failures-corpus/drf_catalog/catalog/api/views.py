from typing import Any

import redis
from django.conf import settings
from rest_framework import generics, serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.products.models import Product
from catalog.services import search
from catalog.services.pricing import pricing

stock_cache = redis.Redis.from_url(settings.REDIS_URL)


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "sku", "name", "price_cents"]


class ProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.all()
    serializer_class = ProductSerializer

    @action(detail=True, methods=["post"], url_path="sync-price")
    def sync_price(self, request: Request, pk: str | None = None) -> Response:
        product = self.get_object()
        product.price_cents = pricing.current_price(product.sku)
        product.save(update_fields=["price_cents"])
        return Response(ProductSerializer(product).data)


class ProductSearchView(generics.ListAPIView):
    serializer_class = ProductSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        skus = search.query(request.query_params.get("q", ""))
        products = Product.objects.filter(sku__in=skus)
        return Response(ProductSerializer(products, many=True).data)


class StockView(APIView):
    def get(self, request: Request, sku: str) -> Response:
        level = stock_cache.get(f"stock:{sku}")
        return Response({"sku": sku, "available": int(level or 0)})


@api_view(["GET"])
def price_history(request: Request, sku: str) -> Response:
    return Response({"sku": sku, "points": pricing.history(sku)})
