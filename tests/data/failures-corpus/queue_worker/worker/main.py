import argparse
import logging
import os

import redis

from worker.backfill import backfill_events, export_and_wait
from worker.consumer import Consumer, DelayedJobMover
from worker.status_poller import StatusPoller


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="worker", description="Background job worker")
    parser.add_argument("mode", choices=["consume", "delayed", "poll", "backfill", "export"])
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
    parser.add_argument("--since", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    client = redis.Redis.from_url(args.redis_url)
    if args.mode == "consume":
        Consumer(client).run()
    elif args.mode == "delayed":
        DelayedJobMover(client).run()
    elif args.mode == "poll":
        StatusPoller(os.environ.get("STATUS_URL", "https://status.example.com")).poll_forever()
    elif args.mode == "backfill":
        print(f"imported {backfill_events(args.since)} events")
    else:
        print(f"export finished: {export_and_wait(args.since)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
