import logging
import sqlite3

logger = logging.getLogger(__name__)
DB_PATH = "/var/lib/mailer/suppressions.db"


def save_suppressions(addresses: list[str]) -> int:
    try:
        with sqlite3.connect(DB_PATH) as conn:
            conn.executemany("INSERT OR IGNORE INTO suppressions (address) VALUES (?)", [(a,) for a in addresses])
    except sqlite3.Error:
        logger.exception("could not store %d suppressions", len(addresses))
        return 0
    return len(addresses)


def remove_webhook(url: str) -> None:
    try:
        with sqlite3.connect(DB_PATH) as conn:
            conn.execute("DELETE FROM webhooks WHERE url = ?", (url,))
    except sqlite3.Error:
        logger.exception("could not remove webhook %s", url)
