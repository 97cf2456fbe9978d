"""The ``reviewbot`` console script, and ``python -m reviewbot``.

A hook event goes to the hook server first, before the command line and anything heavy is
imported: an agent waits for that answer after every edit. Everything else, and an event no
server answered, goes to ``reviewbot.cli``.
"""

import sys


def main() -> int:
    """Run the command line; return the exit status."""
    if sys.argv[1:2] == ["hook"]:
        from reviewbot import hookclient

        status = hookclient.ask(sys.argv[1:])
        if status is not None:
            return status
    from reviewbot.cli import main as command_line

    return command_line()


if __name__ == "__main__":
    sys.exit(main())
