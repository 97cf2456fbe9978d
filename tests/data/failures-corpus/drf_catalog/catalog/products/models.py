from django.db import models


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    price_cents = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"
