import os
import subprocess

import backoff
import click
import requests

CHAT_URL = os.environ.get("OPS_CHAT_URL", "https://chat.example.com/hooks/ops")


def current_revision() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def changed_files(base: str) -> list[str]:
    try:
        out = subprocess.check_output(["git", "diff", "--name-only", f"{base}...HEAD"], text=True)
    except (subprocess.CalledProcessError, OSError) as exc:  # expect: RB206
        if isinstance(exc, subprocess.CalledProcessError) and exc.returncode == 128:
            return []
    return out.splitlines()


@backoff.on_exception(backoff.expo, requests.RequestException, max_time=120)  # expect: RB209
def wait_healthy(service: str) -> None:
    resp = requests.get(f"https://{service}.internal/healthz", timeout=5)
    resp.raise_for_status()


def announce(service: str, tag: str) -> None:
    try:
        requests.post(CHAT_URL, json={"text": f"deployed {service}:{tag}"}, timeout=5)
    except OSError as exc:
        click.echo(f"could not announce the deploy: {exc}", err=True)
