import os
from typing import Any

import httpx

from sync.crm import CrmClient
from sync.locks import acquire_lock


async def startup(ctx: dict[str, Any]) -> None:
    ctx["crm"] = CrmClient(os.environ.get("CRM_URL", "https://crm.example.com/api"), os.environ.get("CRM_TOKEN", ""))
    ctx["http"] = httpx.AsyncClient(base_url=os.environ.get("BILLING_URL", "http://billing.internal"), timeout=15.0)


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["crm"].aclose()
    await ctx["http"].aclose()


async def sync_customer(ctx: dict[str, Any], customer_id: int) -> None:
    if not await acquire_lock(f"customer:{customer_id}"):
        return
    crm: CrmClient = ctx["crm"]
    http: httpx.AsyncClient = ctx["http"]
    customer = await crm.get_customer(customer_id)
    resp = await http.put(f"/customers/{customer_id}", json=customer)  # expect: RB201
    resp.raise_for_status()


async def sync_all_customers(ctx: dict[str, Any]) -> int:
    crm: CrmClient = ctx["crm"]
    queued = 0
    page = 1
    while True:
        batch = await crm.list_customers(page)
        if not batch:
            break
        for customer in batch:
            await ctx["redis"].enqueue_job("sync_customer", customer["id"])
        queued += len(batch)
        page += 1
    return queued


async def legacy_import(ctx: dict[str, Any], path: str) -> None:
    async with httpx.AsyncClient(base_url=os.environ.get("BILLING_URL", "http://billing.internal")) as client:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                await client.post("/import", content=line)
