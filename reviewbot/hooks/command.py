"""The ``reviewbot hook AGENT`` command, from its parsed flags to the reply: the command line runs it
in the hook's own process, the hook server's child runs it for an event handed over, so that an
event gets the same reply from either."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from reviewbot.hookclient import read_event, start
from reviewbot.hooks.answer import run
from reviewbot.hooks.protocol import HookOptions

if TYPE_CHECKING:
    import argparse

    from reviewbot.hooks.protocol import Reply


def options(args: argparse.Namespace, isolate: bool = True) -> HookOptions:
    """The options of ``reviewbot hook`` from its parsed command line; ``isolate=False`` scans in this
    process (the hook server's child, itself disposable)."""
    return HookOptions(
        fail_on=args.fail_on,
        max_findings=args.max_findings,
        max_chars=args.max_chars,
        diff=args.diff,
        config=args.config,
        reply=args.reply,
        isolate=isolate,
        file_timeout=args.file_timeout,
        stop_context=args.stop_context,
    )


def answer(args: argparse.Namespace, stdin: str, isolate: bool = True) -> Reply:
    """The reply to the hook event ``stdin`` for the parsed ``reviewbot hook`` command ``args``."""
    return run(args.agent, stdin, options(args, isolate))


def hook(args: argparse.Namespace) -> int:
    """In the hook's own process: the event on stdin, the reply on stdout, stderr and the exit status;
    then the hook server is started for the events to come."""
    # Bytes, decoded leniently: stdin that is closed or not UTF-8 is a broken event (exit 1), not a crash.
    reply = answer(args, read_event().decode("utf-8", errors="replace"))
    sys.stdout.write(reply.stdout)
    sys.stderr.write(reply.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    reply.delivered()
    start()
    return reply.status
