import requests

from forms_api.api.exceptions import ApiError

FORMS_URL = "https://forms.example.com/v3/submit"


def submit_form(form_id: str, payload: dict) -> None:
    response = requests.post(f"{FORMS_URL}/{form_id}", json=payload, timeout=30)  # expect: RB201
    if response.status_code >= 400:
        raise ApiError(response.status_code, response.text)
