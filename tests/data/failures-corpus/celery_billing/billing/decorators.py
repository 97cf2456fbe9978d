import functools
import logging
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
logger = logging.getLogger(__name__)


def guarded(func: Callable[P, R]) -> Callable[P, R | None]:
    """Periodic jobs: log the failure and let the next run try again."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return func(*args, **kwargs)
        except Exception:
            logger.exception("%s failed; the next scheduled run will retry", func.__name__)
            return None

    return wrapper


def timed(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            logger.info("%s took %.2fs", func.__name__, time.perf_counter() - started)

    return wrapper
