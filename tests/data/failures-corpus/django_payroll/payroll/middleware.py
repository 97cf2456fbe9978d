import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)


class UpstreamFailureMiddleware:
    """Turns any unhandled error into a 503 JSON answer and logs it with its traceback."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        logger.exception("unhandled error on %s", request.path, exc_info=exception)
        return JsonResponse({"error": "temporarily unavailable, try again"}, status=503)
