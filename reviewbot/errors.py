"""What can go wrong outside the scanned code, by kind; each ends a command with exit status 2.

Problems in the scanned files are findings (RB000-RB002), never these. The command line prints
the message without a traceback (``--verbose`` adds one); the agent hook exits 1 instead, so that
reviewbot's own trouble never blocks the agent.
"""

from __future__ import annotations


class ReviewbotError(Exception):
    """Base of reviewbot's errors: the message says what is wrong and, where it can, how to fix it."""


class UsageError(ReviewbotError):
    """Command-line flags or paths that do not fit together."""


class ConfigError(ReviewbotError):
    """A bad config file, rule pack or file that reviewbot was asked to edit; names the key."""


class GitError(ReviewbotError):
    """Git could not answer: no repository, an unknown revision, a shallow clone, git missing."""


class GitHubError(ReviewbotError):
    """The GitHub environment or API: no token, no pull request, a pull request that cannot be read."""


class GitLabError(ReviewbotError):
    """The GitLab CI environment or API: no merge request, a merge request that cannot be read."""


class FileError(ReviewbotError):
    """A file reviewbot reads or writes for itself (report, baseline, cache) cannot be used."""
