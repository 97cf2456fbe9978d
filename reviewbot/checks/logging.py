"""RB6xx: what a service says about itself goes through logging, with the traceback when it failed."""

from __future__ import annotations

import re

from reviewbot.lazy import libcst as cst

from reviewbot.checks.base import FileContext, Rule, is_builtin, keyword
from reviewbot.imports import dotted_name
from reviewbot.model import Edit, Example, Fix, Option

# Where printing is the job: command-line entry points, scripts and one-shot migrations.
ALLOW_PRINT = ("**/cli.py", "**/cli/**", "**/__main__.py", "scripts/**", "bin/**", "**/*migrations/**", "**/example*/**", "**/testing/**")
# Libraries that make a module a command-line program (its output is what it prints).
CLI_LIBRARIES = ("argparse", "click", "typer", "fire", "docopt")


def main_guard(node: cst.CSTNode) -> bool:
    """``if __name__ == "__main__":``."""
    if not isinstance(node, cst.If) or not isinstance(node.test, cst.Comparison):
        return False
    test = node.test
    names = [test.left, *(target.comparator for target in test.comparisons)]
    return any(isinstance(name, cst.Name) and name.value == "__name__" for name in names) and any(
        isinstance(name, cst.SimpleString) and name.evaluated_value == "__main__" for name in names
    )


class PrintCall(Rule):
    """RB601: ``print`` in service code."""

    id = "RB601"
    name = "print-call"
    summary = "A call of `print()` outside command-line modules and scripts (`logging.allow-print`)."
    why = (
        "The agent was told to design a logging strategy. `print` writes to standard output with no "
        "level, time, logger name or request context; production log pipelines drop or misfile it "
        "and nobody can turn it down. Command-line modules and scripts print on purpose: "
        "`logging.allow-print` names them (examples and test helpers too), a module importing "
        "`argparse`, `click`, `typer`, `fire` or `docopt` is one, a module with an "
        "`if __name__ == \"__main__\":` block is a script, and "
        "`print(..., file=stream)` writes to a stream chosen on purpose."
    )
    bad = (
        Example("def charge(order):\n    print(\"charging\", order.id)\n", lines=(2,)),
    )
    good = (
        Example("import logging\n\nlog = logging.getLogger(__name__)\n\ndef charge(order):\n    log.info(\"charging %s\", order.id)\n"),
        Example("def main():\n    print(\"done\")\n", path="app/cli.py"),
        Example("def report(rows):\n    print(len(rows))\n\nif __name__ == \"__main__\":\n    report([])\n"),
        Example("from rich import print\n\ndef show(table):\n    print(table)\n"),
        Example("import click\n\n@click.command()\ndef show():\n    print(\"done\")\n"),
        Example("import sys\n\ndef warn(text):\n    print(text, file=sys.stderr)\n"),
    )
    options = (Option("logging.allow-print", list, "RB601: globs of files where `print` is the job (CLIs, scripts).", ALLOW_PRINT),)
    peers = "Ruff T201 (flake8-print; every file)"
    noqa = ("T201",)

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        from reviewbot.globs import Globs

        super().__init__(ctx, analyses)
        self.allowed = Globs(ctx.options["logging.allow-print"]).match(ctx.path)

        # A module with a main block at its top level is a script as a whole.
        if any(main_guard(statement) for statement in ctx.module.body):
            self.allowed = True

    def visit_Call(self, node: cst.Call) -> None:
        """The builtin ``print`` where logging is expected."""
        if self.allowed or is_builtin(self.ctx, node.func, frozenset({"print"})) is None:
            return
        # A command-line program (module-level imports are all known once the walk is in the code).
        if any(name.partition(".")[0] in CLI_LIBRARIES for name in self.ctx.imports.names.values()):
            return
        stream = keyword(node, "file")
        if stream is not None and self.ctx.imports.resolve(stream) != "sys.stdout":
            return
        self.report(node, "`print()` in service code: log it (`logger = logging.getLogger(__name__)`, then `logger.info(...)`)")


# Exception types whose handler does not know what failed.
BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})
# Calls that end the program or fail the test, or that write the traceback themselves.
EXITS = frozenset({"sys.exit", "os._exit", "exit", "quit", "pytest.fail"})
TRACEBACKS = frozenset({"traceback.format_exc", "traceback.print_exc", "traceback.format_exception", "traceback.print_exception"})


# The name of a logger: ``log``, ``logger``, ``LOG``, ``_logger``, ``audit_log``, ``logging``.
LOGGER = re.compile(r"(?:\w*_)?(?:log|logger|logging)", re.IGNORECASE)


def is_logger(name: str) -> bool:
    """Whether ``name`` (the last part of a receiver) names a logger; ``catalog`` does not."""
    return LOGGER.fullmatch(name) is not None


def broad(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """A bare ``except:``, or one naming ``Exception``/``BaseException`` (alone or in a tuple)."""
    if handler.type is None:
        return True
    types = [element.value for element in handler.type.elements] if isinstance(handler.type, cst.Tuple) else [handler.type]
    return any(dotted_name(kind) in BROAD for kind in types)


def passes_on(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """Whether the handler's own statements (not nested functions) re-raise, exit, write the
    traceback themselves, keep the exception (``self.error = error``) or hand it to a call other
    than a logger's (``report(error)``, ``future.set_exception(error)``)."""
    bound = handler.name.name.value if handler.name is not None and isinstance(handler.name.name, cst.Name) else None
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Raise(self, node: cst.Raise) -> None:
            nonlocal found
            found = True

        def visit_Call(self, node: cst.Call) -> None:
            nonlocal found
            callee = dotted_name(node.func) or ""
            owner = callee.rpartition(".")[0].rpartition(".")[2]
            # ``str(error)`` and ``repr(error)`` only spell the exception for a message.
            handed = (
                bound is not None
                and not is_logger(owner)
                and callee not in ("str", "repr", "format")
                and any(isinstance(arg.value, cst.Name) and arg.value.value == bound for arg in node.args)
            )
            if callee in EXITS or callee in TRACEBACKS or handed:
                found = True

        def visit_Assign(self, node: cst.Assign) -> None:
            nonlocal found
            if bound is not None and isinstance(node.value, cst.Name) and node.value.value == bound:
                found = True

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    handler.body.visit(Finder())
    return found


class ErrorLoggedWithoutTraceback(Rule):
    """RB602: an error logged in an ``except`` block without its traceback."""

    id = "RB602"
    name = "error-logged-without-traceback"
    summary = "In a broad `except` block (bare, `Exception`) that keeps the error, `logger.error(...)` without `exc_info`: use `logger.exception(...)`."
    why = (
        "The agent was told to design error handling and logging together. An error logged without its "
        "traceback says that something failed but not where: the stack is the one thing the log "
        "cannot rebuild later. `logger.exception()` logs at the same level with the traceback. Only "
        "handlers that catch everything are judged (a narrow `except KeyError` knows what failed), and "
        "not those that re-raise, exit, keep the exception, log `traceback.format_exc()`, or hand "
        "the exception to another call: it travels on. The receiver must be named as a logger "
        "(`log`, `logger`, `LOG`, `_logger`, `audit_log`, `logging`)."
    )
    bad = (
        Example(
            "import logging\n\nLOGGER = logging.getLogger(__name__)\n\ndef sync(client):\n    try:\n        client.push()\n"
            "    except Exception as error:\n        LOGGER.error(\"sync failed: %s\", str(error))\n",
            lines=(9,),
            fixed="import logging\n\nLOGGER = logging.getLogger(__name__)\n\ndef sync(client):\n    try:\n        client.push()\n"
            "    except Exception as error:\n        LOGGER.exception(\"sync failed: %s\", str(error))\n",
        ),
        Example(
            "import logging\n\nlog = logging.getLogger(__name__)\n\ndef sync(client):\n    try:\n        client.push()\n"
            "    except Exception as error:\n        log.error(\"sync failed: %s\", error)\n",
            lines=(9,),
            fixed="import logging\n\nlog = logging.getLogger(__name__)\n\ndef sync(client):\n    try:\n        client.push()\n"
            "    except Exception as error:\n        log.exception(\"sync failed: %s\", error)\n",
        ),
    )
    good = (
        Example(
            "import logging\n\nlog = logging.getLogger(__name__)\n\ndef sync(client):\n    try:\n        client.push()\n"
            "    except Exception:\n        log.exception(\"sync failed\")\n"
        ),
        Example("def lookup(catalog, key):\n    try:\n        return catalog[key]\n    except Exception:\n        catalog.error(\"missing\")\n"),
        Example(
            "import logging\n\nlog = logging.getLogger(__name__)\n\ndef parse(text):\n    try:\n        return int(text)\n"
            "    except ValueError as error:\n        log.error(\"not a number: %s\", error)\n"
        ),
        Example(
            "import logging\nimport sys\n\nlog = logging.getLogger(__name__)\n\ndef main(client):\n    try:\n        client.push()\n"
            "    except Exception as error:\n        log.error(\"failed: %s\", error)\n        sys.exit(1)\n"
        ),
        Example(
            "import logging\n\nlog = logging.getLogger(__name__)\n\ndef sync(client):\n    try:\n        client.push()\n"
            "    except Exception:\n        log.error(\"sync failed\", exc_info=True)\n"
        ),
        Example(
            "import logging\n\nlog = logging.getLogger(__name__)\n\ndef sync(client):\n    try:\n        client.push()\n"
            "    except Exception:\n        log.error(\"sync failed\")\n        raise\n"
        ),
    )
    fixable = True
    peers = "Ruff TRY400 (also in handlers that re-raise)"
    noqa = ("TRY400",)

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        # For each ``except`` block the walk is in (innermost last): whether it is out of the rule's
        # reach (narrow, or passing the error on), and how many functions and classes enclose it
        # (a function defined inside it runs elsewhere).
        self.handlers: list[tuple[bool, int]] = []

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        """Entering a handler."""
        self.handlers.append((not broad(node) or passes_on(node), len(self.ctx.scopes)))

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        """Leaving it."""
        self.handlers.pop()

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        """Entering an ``except*`` handler."""
        self.handlers.append((not broad(node) or passes_on(node), len(self.ctx.scopes)))

    def leave_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        """Leaving it."""
        self.handlers.pop()

    def leave_Call(self, node: cst.Call) -> None:
        """``<logger>.error(...)`` directly in a handler that swallows the error, without ``exc_info``."""
        if not self.handlers or not isinstance(node.func, cst.Attribute) or node.func.attr.value != "error":
            return
        judged_elsewhere, depth = self.handlers[-1]
        if judged_elsewhere or depth != len(self.ctx.scopes):
            return
        owner = dotted_name(node.func.value) or ""
        if not is_logger(owner.rpartition(".")[2]) or keyword(node, "exc_info") is not None:
            return
        line, column, end_line, end_column = self.ctx.span(node.func.attr)
        fix = Fix("log with `.exception()`, which adds the traceback", (Edit(line, column + 1, end_line, end_column + 1, "exception"),))
        self.report(node, f"`{owner}.error()` in an `except` block drops the traceback: use `{owner}.exception(...)`", fix=fix)
