"""Settings for the school portal.

Every value comes from the environment (or a `.env` file beside `manage.py`); the
defaults are the embedded development setup: SQLite, local-memory cache, console
email. Production differs by environment only: see `.env.example`.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _required_in_production(name, *, debug_default, cast=str):
    """Read a setting that has a development default only while DEBUG is on."""
    if name in env.ENVIRON:
        return env.get_value(name, cast=cast)
    if DEBUG:
        return debug_default
    raise ImproperlyConfigured(
        f"{name} must be set in the environment when DEBUG is off."
    )


SUPPORTED_DATABASE_SCHEMES = ("postgres", "postgresql", "sqlite")


def _database_from_env():
    default_url = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    url = env.str("DATABASE_URL", default=default_url)
    scheme, separator, _rest = url.partition("://")
    if not separator or scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            "DATABASE_URL is not a valid database URL: use "
            "postgres://user:pass@host:port/name or sqlite:///path/to/db.sqlite3."
        )
    try:
        config = environ.Env.db_url_config(url)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a valid database URL: {exc}"
        ) from None
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", 2)
        # A query running longer than this is cancelled by PostgreSQL, so it fails
        # cleanly (a 500 and a log line) before gunicorn's worker timeout (30 s)
        # kills the whole worker. 0 turns the limit off (the migrate job uses it).
        # An `?options=...` already in DATABASE_URL is left as it is.
        if "options" not in options:
            raw = env.str("DATABASE_STATEMENT_TIMEOUT_MS", default="25000").strip()
            if not (raw.isascii() and raw.isdigit()):
                raise ImproperlyConfigured(
                    "DATABASE_STATEMENT_TIMEOUT_MS must be a whole number of "
                    "milliseconds (0 for no limit)."
                )
            options["options"] = f"-c statement_timeout={int(raw)}"
        config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = _required_in_production(
    "SECRET_KEY", debug_default="development-only-insecure-key-never-use-in-production"
)
ALLOWED_HOSTS = _required_in_production(
    "ALLOWED_HOSTS",
    debug_default=["localhost", "127.0.0.1", "[::1]", "testserver"],
    cast=list,
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Addresses of reverse proxies whose X-Real-IP header names the real client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    "school.admin_config.SchoolAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "import_export",
    "school",
    "accounts",
    "classrooms",
    "grades",
]

MIDDLEWARE = [
    "school.middleware.ClientIPMiddleware",
    # Request id and one log line per request; after ClientIPMiddleware, so it
    # logs the real client's address.
    "school.request_logging.RequestLoggingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "school.middleware.NoStoreForSignedInUsersMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "school.middleware.RateLimitMiddleware",
]

ROOT_URLCONF = "school.urls"
WSGI_APPLICATION = "school.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "school.context_processors.school",
                "policies.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # Short timeouts so a dead Redis costs a request one second, not a hang;
                # errors are swallowed so the portal keeps serving from the database.
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "school.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions live in the database behind the cache: a cache outage logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "accounts.User"
# Emails are unique case-insensitively through a UniqueConstraint on Lower("email"),
# which this check (an error with Django's default ModelBackend) cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.E003"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "school.staticfiles.ManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Production must name its mail server: the console backend would print password
# reset links into the logs.
EMAIL_CONFIG = environ.Env.email_url_config(
    _required_in_production("EMAIL_URL", debug_default="consolemail://")
)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="School portal <portal@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SCHOOL_NAME = env.str("SCHOOL_NAME", default="Demo School")
# Absolute links in emails (report cards) start with this.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Background work (django-tasks). "database": tasks are rows written in the
# enqueuing transaction and run by `manage.py db_worker` (production).
# "immediate": run in the same process once the transaction commits (the
# embedded default and the tests).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate").strip().lower()
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of: {', '.join(_TASK_BACKENDS)}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
# SMS notifications: a class with `send(user, text)`; the default only logs.
SMS_BACKEND = env.str("SMS_BACKEND", default="grades.notifications.LoggingSmsBackend")

# A grid of 60 students x 40 assessments posts about 5,000 fields; Django's default
# (1,000) would refuse it with a 400 and lose the teacher's work.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=10_000)

# Rate limits count POSTs in the default cache (Redis when REDIS_URL is set).
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# Login (portal and admin): tight per (account, address); loose per account across
# addresses, so nobody can lock a teacher out for long from elsewhere; broad per
# address. Every POST counts, successful ones too: a school whose users all leave
# through one NAT address needs a higher RATE_LIMIT_LOGIN_PER_IP.
RATE_LIMIT_LOGIN_PER_ACCOUNT_IP = env.str(
    "RATE_LIMIT_LOGIN_PER_ACCOUNT_IP", default="5/5m"
)
RATE_LIMIT_LOGIN_PER_ACCOUNT = env.str("RATE_LIMIT_LOGIN_PER_ACCOUNT", default="30/h")
RATE_LIMIT_LOGIN_PER_IP = env.str("RATE_LIMIT_LOGIN_PER_IP", default="100/h")
# Password reset requests, counted for unknown emails too (the answer is the same).
RATE_LIMIT_PASSWORD_RESET_PER_IP = env.str(
    "RATE_LIMIT_PASSWORD_RESET_PER_IP", default="10/h"
)
RATE_LIMIT_PASSWORD_RESET_PER_EMAIL = env.str(
    "RATE_LIMIT_PASSWORD_RESET_PER_EMAIL", default="3/h"
)
# Grade saves per teacher: fast typing with autosave stays far below it.
RATE_LIMIT_GRADE_WRITES = env.str("RATE_LIMIT_GRADE_WRITES", default="300/m")
# Batch report-card PDFs per person: each one keeps a worker busy for a while.
RATE_LIMIT_REPORT_BATCHES = env.str("RATE_LIMIT_REPORT_BATCHES", default="20/h")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
# Preload only once the domain is really submitted to hstspreload.org: leaving the
# list takes months and binds every subdomain (often a school district's whole
# domain). Until then security.W021 ("preload not set") is silenced on purpose.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Health probes from the container runtime or the load balancer speak plain HTTP
# to the app server; everything else is redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^health-check$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The gradebook script reads the csrftoken cookie (a login in another tab rotates it):
# CSRF_COOKIE_HTTPONLY stays off, as Django's default.

# Content-Security-Policy (django-csp 4): no inline script or style anywhere, the
# Django admin included. 404 and 500 pages are exempt only while DEBUG is on
# (Django's debug pages are inline).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
# Also write the JSON lines to this file, rotated at 10 MB with 5 backups.
LOG_FILE = env.str("LOG_FILE", default="")
LOGGING_CONFIG = None
from school.logging import configure_logging  # noqa: E402

configure_logging(level=LOG_LEVEL, fmt=LOG_FORMAT, file=LOG_FILE)
