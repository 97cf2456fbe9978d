import csv
import os
from pathlib import Path

import httpx
import psycopg
import typer

audit_api = httpx.Client(base_url=os.environ.get("AUDIT_URL", "http://audit.internal"), timeout=10.0)


class UserExporter:
    query = "SELECT id, email, created_at FROM users ORDER BY id"

    @classmethod
    def run(cls, path: Path) -> int:
        rows = cls._fetch_rows()
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        cls._record_export(len(rows))
        return len(rows)

    @classmethod
    def _fetch_rows(cls) -> list[tuple[object, ...]]:
        try:
            with psycopg.connect(os.environ.get("DATABASE_URL", "postgresql://admin@localhost/accounts")) as conn:
                return conn.execute(cls.query).fetchall()
        except psycopg.Error as exc:
            typer.echo(f"could not read users: {exc}", err=True)
            raise typer.Exit(code=2) from exc

    @classmethod
    def _record_export(cls, count: int) -> None:
        audit_api.post("/events", json={"type": "users.exported", "count": count})  # expect: RB201
