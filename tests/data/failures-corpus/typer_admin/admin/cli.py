import base64
import json
import logging
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import typer
from pymongo import MongoClient

from admin.exporter import UserExporter

logger = logging.getLogger(__name__)
app = typer.Typer(help="Admin tasks for the accounts service.")
mongo = MongoClient(os.environ.get("MONGO_URL", "mongodb://localhost:27017"), serverSelectionTimeoutMS=5000)


@app.command()
def purge_sessions(days: int = 30) -> None:
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    result = mongo.accounts.sessions.delete_many({"last_seen": {"$lt": cutoff}})  # expect: RB201
    typer.echo(f"deleted {result.deleted_count} sessions")


@app.command()
def session_stats() -> None:
    try:
        count = mongo.accounts.sessions.estimated_document_count()
    except Exception:  # expect: RB207
        logger.info("session collection unavailable")
        count = -1
    typer.echo(f"{count} sessions")


@app.command()
def ping() -> None:
    try:
        mongo.admin.command("ping")
    except:
        typer.echo("mongo is unreachable", err=True)
        raise typer.Exit(code=1)


@app.command()
def export_users(path: Path) -> None:
    typer.echo(f"exported {UserExporter.run(path)} users to {path}")


@app.command()
def whoami(token: str) -> None:
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    try:
        typer.echo(claims["email"])
    except KeyError:
        logger.debug("token without an email claim")
        typer.echo(claims.get("sub", "anonymous"))


if __name__ == "__main__":
    app()
