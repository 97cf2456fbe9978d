import json
import logging
import os
import time
from typing import Any

import boto3
import requests
from botocore.exceptions import BotoCoreError, ClientError

logger = logging.getLogger(__name__)
sqs = boto3.client("sqs")
ORDERS_URL = os.environ.get("ORDERS_QUEUE_URL", "")
REFUNDS_URL = os.environ.get("REFUNDS_QUEUE_URL", "")
PAYMENTS_URL = os.environ.get("PAYMENTS_URL", "http://payments.internal")


def parse_order(body: str) -> dict[str, Any]:
    order = json.loads(body)
    order["total_cents"] = sum(line["qty"] * line["unit_cents"] for line in order["lines"])
    return order


def consume_orders() -> None:
    while True:  # expect: RB208
        try:
            resp = sqs.receive_message(QueueUrl=ORDERS_URL, MaxNumberOfMessages=10, WaitTimeSeconds=20)
        except (BotoCoreError, ClientError):
            logger.exception("receive failed")
            time.sleep(5)
            continue
        for message in resp.get("Messages", []):
            logger.info("order %s accepted", parse_order(message["Body"])["id"])
            sqs.delete_message(QueueUrl=ORDERS_URL, ReceiptHandle=message["ReceiptHandle"])


def handle_refund(refund: dict[str, Any]) -> None:
    resp = requests.post(f"{PAYMENTS_URL}/refunds", json=refund, timeout=15)
    resp.raise_for_status()


def consume_refunds() -> None:
    while True:
        try:
            resp = sqs.receive_message(QueueUrl=REFUNDS_URL, WaitTimeSeconds=20)
            for message in resp.get("Messages", []):
                handle_refund(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=REFUNDS_URL, ReceiptHandle=message["ReceiptHandle"])
        except Exception:
            logger.exception("refund batch failed; backing off")
            time.sleep(10)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    if os.environ.get("QUEUE") == "orders":
        consume_orders()
    else:
        consume_refunds()
