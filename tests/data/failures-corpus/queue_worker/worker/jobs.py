import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


class JobRunner:
    """Runs the coroutines the routes queue, one at a time."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Callable[[], Awaitable[None]]] = asyncio.Queue()

    async def worker(self) -> None:
        while True:  # expect: RB208
            try:
                job = await self.queue.get()
                await job()
            except asyncio.CancelledError:
                break


class GuardedJobRunner:
    def __init__(self) -> None:
        self.job_queue: asyncio.Queue[Callable[[], Awaitable[None]]] = asyncio.Queue()

    async def worker(self) -> None:
        while True:
            job = await self.job_queue.get()
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("job failed")
            finally:
                self.job_queue.task_done()
