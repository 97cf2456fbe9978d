import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only")
DEBUG = False
ALLOWED_HOSTS = ["support.example.com"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "tickets.support",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "tickets.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "tickets"}}
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
ZENDESK_SUBDOMAIN = os.environ.get("ZENDESK_SUBDOMAIN", "acme")
ZENDESK_EMAIL = os.environ.get("ZENDESK_EMAIL", "support@example.com")
ZENDESK_TOKEN = os.environ.get("ZENDESK_TOKEN", "")
SLACK_WEBHOOK_URL = os.environ.get("SLACK_WEBHOOK_URL", "")
PAGERDUTY_ROUTING_KEY = os.environ.get("PAGERDUTY_ROUTING_KEY", "")
