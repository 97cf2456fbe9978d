from typing import Any

from rest_framework.views import exception_handler


class ApiError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def api_exception_handler(exc: Exception, context: dict[str, Any]):
    """Add the error's type to DRF's answer."""
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict):
        response.data["error_type"] = type(exc).__name__
    return response
