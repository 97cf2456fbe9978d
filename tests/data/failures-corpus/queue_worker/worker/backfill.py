import os
import time

import requests

API_URL = os.environ.get("EVENTS_API_URL", "https://events.example.com/api")


def backfill_events(since: str | None) -> int:
    session = requests.Session()
    url = f"{API_URL}/events"
    params = {"since": since} if since else {}
    imported = 0
    while True:
        resp = session.get(url, params=params, timeout=30)  # expect: RB201
        resp.raise_for_status()
        body = resp.json()
        imported += len(body["results"])
        if not body.get("next"):
            break
        url, params = body["next"], {}
    return imported


def wait_for_export(session: requests.Session, export_id: str) -> str:
    while True:
        resp = session.get(f"{API_URL}/exports/{export_id}", timeout=10)  # expect: RB201
        resp.raise_for_status()
        state = str(resp.json()["state"])
        if state in ("done", "failed"):
            return state
        time.sleep(5)


def export_and_wait(since: str | None) -> str:
    session = requests.Session()
    resp = session.post(f"{API_URL}/exports", json={"since": since}, timeout=10)  # expect: RB201
    resp.raise_for_status()
    return wait_for_export(session, resp.json()["id"])
