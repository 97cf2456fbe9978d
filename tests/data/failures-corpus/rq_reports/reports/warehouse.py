import os
from datetime import date
from typing import Any

import psycopg
from psycopg.rows import dict_row

DSN = os.environ.get("WAREHOUSE_DSN", "postgresql://reports@warehouse/analytics")


class WarehouseUnavailable(Exception):
    pass


def sales_for(day: date) -> list[dict[str, Any]]:
    try:
        with psycopg.connect(DSN, row_factory=dict_row) as conn:
            return conn.execute("SELECT sku, units, revenue_cents FROM daily_sales WHERE day = %s", (day,)).fetchall()
    except psycopg.Error as exc:
        raise WarehouseUnavailable(f"sales for {day}: {exc}") from exc
