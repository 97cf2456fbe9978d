SECRET_KEY = "not-a-secret"
INSTALLED_APPS = ["rest_framework", "forms_api"]
ROOT_URLCONF = "forms_api.urls"

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "forms_api.api.exceptions.api_exception_handler",
}
