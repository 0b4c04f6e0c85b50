"""Settings of the fsmbilling portal. Every value comes from the environment (see .env.example)."""

from __future__ import annotations

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
PRODUCTION = env.bool("PRODUCTION", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-" + "x" * 32)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.str('PORT', default='8000')}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "django_htmx",
    "template_partials",
    "fsmbilling",
    "sandbox",
    "sync",
    "invoicing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "fsmbilling.urls"
WSGI_APPLICATION = "fsmbilling.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fsmbilling.context_processors.tenancy",
            ],
        },
    },
]

# --- Database: DATABASE_URL, or the embedded PostgreSQL in .data/pg ---
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from fsmbilling.embedded_db import database_url

    DATABASES = {"default": environ.Env.db_url_config(database_url())}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_fsmbilling")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Failed logins allowed per email and per client address in LOGIN_THROTTLE_WINDOW seconds.
LOGIN_THROTTLE_ATTEMPTS = env.int("LOGIN_THROTTLE_ATTEMPTS", default=5)
LOGIN_THROTTLE_WINDOW = env.int("LOGIN_THROTTLE_WINDOW", default=900)
# Behind reverse proxies: how many of them append to X-Forwarded-For (0 = use the connecting address).
LOGIN_THROTTLE_PROXY_COUNT = env.int("LOGIN_THROTTLE_PROXY_COUNT", default=0)

# CSV import limits (REC-10)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".data" / "media")

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
        }
        if env.str("REDIS_URL", default="")
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "fsmbilling_cache"}
    )
}

# --- Email: console in development, SMTP when EMAIL_URL is set ---
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="fsmbilling <no-reply@fsmbilling.local>")

# --- Secrets at rest (refresh tokens, gateway keys). Several keys, comma separated, the first encrypts ---
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fsmbilling.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "fsmbilling.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "fsmbilling.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["fsmbilling.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env.str("API_THROTTLE_RATE", default="1200/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "fsmbilling API",
    "DESCRIPTION": "Field-service records, invoicing and two-way sync with Zoho Books / Zoho Invoice.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RecordStatusEnum": "fsmbilling.models.base.Status",
        "TaxKindEnum": "fsmbilling.models.reference.Tax.Kind",
        "ServicePartKindEnum": "fsmbilling.models.catalog.ServicePart.Kind",
        "WorkOrderStatusEnum": "fsmbilling.models.work_orders.WorkOrder.State",
        "WorkOrderPriorityEnum": "fsmbilling.models.work_orders.WorkOrder.Priority",
        "WorkStatusEnum": "fsmbilling.models.work_orders.WorkOrderLine.WorkStatus",
        "BillingStatusEnum": "fsmbilling.models.work_orders.WorkOrderLine.BillingStatus",
        "AppointmentStatusEnum": "fsmbilling.models.work_orders.ServiceAppointment.State",
        "ImportModuleEnum": "fsmbilling.models.imports.ImportJob.Module",
        "WorkflowModuleEnum": "fsmbilling.models.workflows.WorkflowRule.Module",
        "WorkflowActionEnum": "fsmbilling.models.workflows.WorkflowRule.Action",
    },
}

# --- Task cluster (django-q2): the ORM broker by default, Redis when REDIS_URL is set ---------------------------------
Q_CLUSTER = {
    "name": "fsmbilling",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=1800),
    "retry": env.int("Q_RETRY", default=2100),
    "max_attempts": 3,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 500,
    "poll": 0.5,
    **({"redis": env.str("REDIS_URL")} if env.str("REDIS_URL", default="") else {"orm": "default"}),
}

# --- Finance connection ---
# Base URL of the built-in Books sandbox as the connector sees it (the sandbox is one more data centre to it).
SANDBOX_BASE_URL = env.str("SANDBOX_BASE_URL", default=SITE_URL.rstrip("/") + "/sandbox")
# The built-in Books sandbox under /sandbox/ (a stand-in for Zoho; turn it off where only real Zoho is used).
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=True)
# The sandbox's non-Zoho control endpoints (/sandbox/_control/): never on in production.
SANDBOX_CONTROL_ENABLED = env.bool("SANDBOX_CONTROL_ENABLED", default=not PRODUCTION) and not PRODUCTION
# Sandbox limits (SBX-3); the benchmark turns rate limits off.
SANDBOX_RATE_LIMITS_ENABLED = env.bool("SANDBOX_RATE_LIMITS_ENABLED", default=True)
SANDBOX_DAILY_QUOTA_OVERRIDE = env.int("SANDBOX_DAILY_QUOTA_OVERRIDE", default=0)
# OAuth client for real Zoho (registered in Zoho's API console), used by onboarding when provider is zoho.
ZOHO_CLIENT_ID = env.str("ZOHO_CLIENT_ID", default="")
ZOHO_CLIENT_SECRET = env.str("ZOHO_CLIENT_SECRET", default="")
ZOHO_REDIRECT_URI = env.str("ZOHO_REDIRECT_URI", default=SITE_URL.rstrip("/") + "/billing/oauth/callback/")
FINANCE_DEFAULT_PROVIDER = env.str("FINANCE_DEFAULT_PROVIDER", default="sandbox")
# Editions whose requests are sent as a form field JSONString instead of JSON (in case real Zoho Invoice needs it).
ZOHO_FORM_BODY_EDITIONS = tuple(env.list("ZOHO_FORM_BODY_EDITIONS", default=[]))
ZOHO_DEFAULT_DATA_CENTRE = env.str("ZOHO_DEFAULT_DATA_CENTRE", default="US")
# OAuth client the portal uses with the sandbox's accounts server (registered on first use when empty).
SANDBOX_OAUTH_CLIENT_ID = env.str("SANDBOX_OAUTH_CLIENT_ID", default="")
SANDBOX_OAUTH_CLIENT_SECRET = env.str("SANDBOX_OAUTH_CLIENT_SECRET", default="")

# --- Production hardening (manage.py check --deploy passes with PRODUCTION=true) -------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie; keep Django's default
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    DEBUG = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"fsmbilling": {"level": env.str("LOG_LEVEL", default="INFO"), "propagate": True}},
}

os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", "0")
