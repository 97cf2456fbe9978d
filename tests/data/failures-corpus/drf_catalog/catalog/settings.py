import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only")
DEBUG = False
ALLOWED_HOSTS = ["catalog.internal"]
INSTALLED_APPS = ["django.contrib.contenttypes", "rest_framework", "catalog.products"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "catalog.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "catalog"}}
REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "catalog.api.exceptions.upstream_aware_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
PRICING_URL = os.environ.get("PRICING_URL", "http://pricing.internal")
SEARCH_URL = os.environ.get("SEARCH_URL", "http://search.internal")
REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/1")
