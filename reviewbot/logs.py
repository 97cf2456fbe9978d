"""reviewbot's own log records on standard error: for the command line and the hook server's children.

Notes for ``--verbose`` are ``INFO`` records of the ``reviewbot`` logger, fallbacks the user must
know about are ``WARNING``s (docs/design.md, "Decisions").
"""

from __future__ import annotations

import logging
import sys

from reviewbot.escape import printable


class _Stderr(logging.Handler):
    """Log records to whatever ``sys.stderr`` is when they come, one line each (the paths they name
    come from the repository): the command line may run more than once in a process, each time with
    its own stream (a test's capture, a hook server child's buffer), and an earlier one may be closed."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(printable(self.format(record)) + "\n")
        except (OSError, ValueError):
            # A closed or broken stream must not break the run; the logging module says so.
            self.handleError(record)


def log_to_stderr(verbose: bool) -> None:
    """reviewbot's own log records go to stderr: notes with ``--verbose``, else only warnings."""
    logger = logging.getLogger("reviewbot")
    if not any(isinstance(handler, _Stderr) for handler in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("reviewbot: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
