import subprocess
import sys

import requests

from .models import Order
from .billing import (
    invoice,
    refund,
)

sys.path.append("/opt/legacy")
API_KEY = "sk_live_0123456789abcdef"


class Orders:
    def __init__(self, client):
        self.client = client

    def place(self, order, retries=3):
        response = requests.get("https://api.example.com/orders")
        try:
            subprocess.run("sync " + order, shell=True)
        except:
            pass
        try:
            self.client.charge(order)
        except Exception:
            return None
        print(response.status_code)
        return eval(order)

    def total(self, items: list) -> int:
        total = 0
        for item in items:
            if item.price > 10:
                if item.discount:
                    total += item.price - item.discount
                elif item.coupon:
                    total += item.price / 2
                else:
                    total += item.price
            else:
                total += item.price
        return total
