"""What a forge's API client raises, for its review to fall back on: the same three answers from
GitHub (``reviewbot.github.client``) and GitLab (``reviewbot.gitlab.client``)."""

from __future__ import annotations


class WriteDenied(Exception):
    """The forge refused a write: a fork's or a read-only token, a CI job token (GitHub 403/404, GitLab 401/403)."""


class ApiFailed(Exception):
    """The forge kept failing, or answered an error that retrying cannot fix (``status``, if it answered)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Rejected(ApiFailed):
    """The forge refused the request's content: a comment outside the diff (GitHub 422, GitLab 400)."""
