from django.urls import include, path
from rest_framework.routers import DefaultRouter

from catalog.api import views

router = DefaultRouter()
router.register("products", views.ProductViewSet)

urlpatterns = [
    path("api/", include(router.urls)),
    path("api/search/", views.ProductSearchView.as_view()),
    path("api/stock/<str:sku>/", views.StockView.as_view()),
    path("api/prices/<str:sku>/history/", views.price_history),
]
