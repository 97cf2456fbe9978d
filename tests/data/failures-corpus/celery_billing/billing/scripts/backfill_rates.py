"""Backfill FX rates for a date range: python -m billing.scripts.backfill_rates 2024-01-01 2024-01-31"""
import sys
from datetime import date, timedelta

from billing.rates import fetch_rates, store_rates


def days_between(start: date, end: date) -> list[str]:
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


if __name__ == "__main__":
    first, last = date.fromisoformat(sys.argv[1]), date.fromisoformat(sys.argv[2])
    for day in days_between(first, last):
        store_rates(day, fetch_rates(day))
        print(f"stored rates for {day}")
