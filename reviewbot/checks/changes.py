"""RB8xx, the change itself: rules of the project phase that judge what a change adds as a whole."""

from __future__ import annotations

from reviewbot.checks.base import ProjectRule
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
            f"this change adds {total} lines of non-test Python ({largest}: {added[largest]}), more than {limit}: "
            "split it into steps a reviewer can follow (types first, then functions, then integration)"
        )
        self.report_at(largest, min(project.change.files[largest].added), message)
