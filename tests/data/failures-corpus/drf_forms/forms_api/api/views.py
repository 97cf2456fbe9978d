from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from forms_api.api.exceptions import ApiError
from forms_api.api.submissions import submit_form


@api_view(["POST"])
def form_submit_view(request: Request, form_id: str) -> Response:
    try:
        submit_form(form_id, dict(request.data))
    except ApiError as error:
        return Response({"detail": "the forms service refused the submission"}, status=error.status)
    return Response({"status": "submitted"})
