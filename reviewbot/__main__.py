"""The ``reviewbot`` console script, and ``python -m reviewbot``.

A hook event goes to the hook server first, before the command line and anything heavy is
imported: an agent waits for that answer after every edit. Everything else, and an event no
server answered, goes to ``reviewbot.cli``.
"""

from __future__ import annotations

import sys

# ``typing`` takes longer to import than the rest of the hook's client: its names are for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def main() -> NoReturn:
    """Run the command line, then end the process with its exit status (see ``_exit``)."""
    if sys.argv[1:2] == ["hook"]:
        from reviewbot import hookclient

        status = hookclient.ask(sys.argv[1:])
        if status is not None:
            _exit(status)
    from reviewbot.cli import main as command_line

    _exit(command_line())


def _exit(status: int) -> NoReturn:
    """End the process as any exit would (exit handlers run, the streams are flushed), but
    without the interpreter's teardown, which frees every object one by one: after a scan, every
    finding, which a scan the cache answers would otherwise wait for."""
    import atexit
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe or stream: nothing more can reach it
    os._exit(status)


if __name__ == "__main__":
    main()
