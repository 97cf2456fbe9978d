"""RB8xx, the change itself: rules of the project phase that judge what a change adds as a whole."""

from __future__ import annotations

from reviewbot.checks.base import ProjectRule, is_public_name
from reviewbot.escape import code
from reviewbot.model import Option


class OversizedChange(ProjectRule):
    """RB802: a change adding more non-test Python than one review can follow."""

    id = "RB802"
    name = "oversized-change"
    summary = "A change (changed-lines mode only) that adds more than `changes.max-added-lines` lines of non-test Python."
    why = (
        "The agent was told not to write full-blown code without incremental review cycles, and to work "
        "in steps: types first, then functions, then integration. A change too large to review is "
        "reviewed badly. Reported once, on the first added line of the file that adds the most."
    )
    options = (Option("changes.max-added-lines", int, "RB802: the most lines of non-test Python one change may add.", 400, minimum=1),)
    peers = "none (review bots count lines; none gates on them)"

    def check(self) -> None:
        """Count the added lines of the changed non-test files; over the limit, one finding."""
        project = self.project
        # A full scan has no change to judge.
        if project.change is None:
            return
        limit = int(project.settings.options["changes.max-added-lines"])
        # Added lines per changed file this run scanned (excluded files are not) that is no test:
        # tests are what an agent should write more of, not less.
        added = {
            path: len(change.added)
            for path, change in project.change.files.items()
            if path in project.files and not project.files[path].is_test and change.added
        }
        total = sum(added.values())
        if total <= limit:
            return
        # The file that adds the most (the first by path on a tie) carries the one finding.
        largest = min(added, key=lambda path: (-added[path], path))
        message = (
            f"this change adds {total} lines of non-test Python ({code(largest)}: {added[largest]}), more than {limit}: "
            "split it into steps a reviewer can follow (types first, then functions, then integration)"
        )
        self.report_at(largest, min(project.change.files[largest].added), message)


class UntestedChange(ProjectRule):
    """RB801: a public function the change adds or modifies that no test mentions."""

    id = "RB801"
    name = "untested-change"
    summary = "A change (changed-lines mode only) adds or modifies a public function or method that no test file names."
    why = (
        "The agent was told to write unit tests for all critical functions. A function that no test "
        "file names at all (imports, calls, attribute reads, in the tests of the new side) is "
        "reached by no test written for it. Private functions, dunder methods, route handlers "
        "(tested through their URL) and private modules are not reported. Reported on the `def` "
        "line, and kept whenever any line of the function changed."
    )
    peers = "none (coverage tools measure executed lines, after the tests ran)"
    scope = "function"
    facts = ("definitions", "names")

    def check(self) -> None:
        """The changed public functions of non-test files, against every test file's identifiers."""
        project = self.project
        if project.change is None:
            return
        changed: list[tuple[str, str, int, int, int]] = []
        for path, facts in sorted(project.files.items()):
            change = project.change.files.get(path)
            if facts.is_test or change is None or any(part.startswith("_") and part != "__init__.py" for part in path.split("/")):
                continue
            for name, kind, first, last, line in facts.definitions:
                short = name.rpartition(".")[2]
                # A line added to the function (its decorators included), or lines removed between two
                # of its lines: a block deleted in front of it leaves it as it was.
                touched = any(first <= number <= last for number in change.added) or any(first < number <= last for number in change.removed_at)
                if kind == "function" and touched and all(is_public_name(part) for part in name.split(".")) and not short.startswith("__"):
                    changed.append((path, name, first, last, line))
        if not changed:
            return
        words = {name.rpartition(".")[2] for _, name, _, _, _ in changed}
        tests = {path: facts for path, facts in project.files.items() if facts.is_test}
        if project.history is not None:
            tests.update(project.history.head_tests(words))
        mentioned = {word for facts in tests.values() for word in words.intersection(facts.names)}
        for path, name, first, last, line in changed:
            short = name.rpartition(".")[2]
            if short not in mentioned:
                self.report_at(path, line, f"`{name}` is new or changed and no test file names `{short}`: add a unit test for it (its error cases too)", scope=(first, last))
