import logging
import time

import requests

logger = logging.getLogger(__name__)


class StatusPoller:
    def __init__(self, base_url: str, interval: float = 30.0) -> None:
        self.base_url = base_url
        self.interval = interval
        self.session = requests.Session()
        self.last_state: str | None = None

    def poll_forever(self) -> None:
        try:
            while True:  # expect: RB208
                resp = self.session.get(f"{self.base_url}/api/v2/status.json", timeout=10)
                resp.raise_for_status()
                state = resp.json()["status"]["indicator"]
                if state != self.last_state:
                    logger.warning("upstream status changed: %s -> %s", self.last_state, state)
                    self.last_state = state
                time.sleep(self.interval)
        except requests.RequestException:
            logger.exception("status poller stopped")
