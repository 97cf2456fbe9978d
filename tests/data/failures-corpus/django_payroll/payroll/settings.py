import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only")
DEBUG = False
ALLOWED_HOSTS = ["payroll.internal"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "payroll.employees"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "payroll.middleware.UpstreamFailureMiddleware",
]
ROOT_URLCONF = "payroll.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "payroll"}}
BANK_API_URL = os.environ.get("BANK_API_URL", "https://api.bank.example.com/v1")
BANK_API_KEY = os.environ.get("BANK_API_KEY", "")
PAYSLIP_BUCKET = os.environ.get("PAYSLIP_BUCKET", "acme-payslips")
