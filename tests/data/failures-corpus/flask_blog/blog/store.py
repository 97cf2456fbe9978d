import sqlite3
from typing import Any


class StoreUnavailable(Exception):
    pass


class PostStore:
    def __init__(self, path: str = "blog.db") -> None:
        self.path = path

    def get(self, slug: str) -> dict[str, Any] | None:
        try:
            with sqlite3.connect(self.path) as conn:
                row = conn.execute("SELECT title, body, embed FROM posts WHERE slug = ?", (slug,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc
        if row is None:
            return None
        return {"slug": slug, "title": row[0], "body": row[1], "embed": row[2]}

    def create(self, title: str, body: str, embed: dict[str, Any] | None) -> dict[str, Any]:
        slug = "-".join(title.lower().split())
        try:
            with sqlite3.connect(self.path) as conn:
                conn.execute("INSERT INTO posts (slug, title, body, embed) VALUES (?, ?, ?, ?)", (slug, title, body, str(embed)))
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc
        return {"slug": slug, "title": title, "body": body, "embed": embed}
