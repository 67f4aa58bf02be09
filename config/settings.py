"""Settings for thamvan, read from the environment.

Every setting an operator may change is an environment variable documented in
the README. Helpers are strict: a malformed value stops start-up rather than
silently falling back to a default.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("THAMVAN_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default)
    if value not in ("true", "false"):
        raise ImproperlyConfigured(f"{name} must be 'true' or 'false', not {value!r}")
    return value == "true"


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envdays(name: str, default: str) -> list[int]:
    """Comma-separated whole numbers of days, each 0 or more (``3,1``); none is allowed."""
    days = []
    for item in envlist(name, default):
        if not item.isdigit():
            raise ImproperlyConfigured(
                f"{name} must list whole numbers of days such as 3,1, not {item!r}"
            )
        days.append(int(item))
    return sorted(set(days), reverse=True)


def envnetworks(name: str, default: str = "") -> list[str]:
    """Comma-separated IP addresses and CIDR networks, normalised (`10.0.0.1` -> `10.0.0.1/32`)."""
    networks = []
    for item in envlist(name, default):
        try:
            networks.append(str(ipaddress.ip_network(item)))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks such as 10.0.0.0/8, not {item!r}"
            ) from None
    return networks


DEBUG = envbool("DEBUG", "false")
DEMO_MODE = envbool("DEMO_MODE", "false")
TESTING = envbool("THAMVAN_TESTING", "false")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is not true")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", SITE_URL)
# The reverse proxies in front of the application: only their X-Forwarded-For
# is believed when finding the client address (thamvan.core.http.client_address).
TRUSTED_PROXIES = envnetworks("TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "django_tomselect",
    "thamvan.core",
    "thamvan.accounts",
    "thamvan.organizations",
    "thamvan.experts",
    "thamvan.dossiers",
    "thamvan.matching",
    "thamvan.consultations",
    "thamvan.documents",
    "thamvan.notifications",
    "thamvan.programme",
    "thamvan.events",
    "thamvan.research",
    "thamvan.dashboard",
    "thamvan.search",
    "thamvan.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "thamvan.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "thamvan.core.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "thamvan.accounts.middleware.MFAEnforcementMiddleware",
    "thamvan.audit.denied.DeniedAccessMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "thamvan.core.middleware.NFCMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "thamvan.core.context_processors.site",
            ],
        },
    }
]


def database_config(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # Kept open like PostgreSQL's: a new SQLite connection re-reads the
        # whole schema on its first statement, about 1.7 ms of every request.
        config["CONN_HEALTH_CHECKS"] = False
        # WAL lets readers run beside one writer; IMMEDIATE takes the write
        # lock at BEGIN so concurrent writers queue on the busy timeout
        # instead of failing with "database is locked" on lock upgrade.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
            ),
        }
    return config


DATABASES = {
    "default": database_config(env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'thamvan.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "thamvan.accounts.backends.RolePermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8 if DEMO_MODE else 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "thamvan.accounts.validators.ContextWordsPasswordValidator"},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING
    else [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
)
# Days an account's activation link (the e-mailed invitation to choose a first
# password) stays valid; sending a new link withdraws the older one.
ACCOUNT_ACTIVATION_DAYS = envint("ACCOUNT_ACTIVATION_DAYS", "7")
# Failed logins allowed per account and per address within the window.
LOGIN_MAX_FAILURES = envint("LOGIN_MAX_FAILURES", "5")
LOGIN_FAILURE_WINDOW_SECONDS = envint("LOGIN_FAILURE_WINDOW_SECONDS", "900")
# Expensive reads allowed per user and minute, pages and API together
# (thamvan/core/limits.py): one user's burst must not slow everyone's pages.
RATE_LIMIT_SEARCH_PER_MINUTE = envint("RATE_LIMIT_SEARCH_PER_MINUTE", "60")
RATE_LIMIT_EXPORT_PER_MINUTE = envint("RATE_LIMIT_EXPORT_PER_MINUTE", "10")
RATE_LIMIT_RECOMMENDATION_PER_MINUTE = envint("RATE_LIMIT_RECOMMENDATION_PER_MINUTE", "20")
RATE_LIMIT_DOWNLOAD_PER_MINUTE = envint("RATE_LIMIT_DOWNLOAD_PER_MINUTE", "60")
RATE_LIMIT_INVITATION_LINK_PER_MINUTE = envint("RATE_LIMIT_INVITATION_LINK_PER_MINUTE", "30")
RATE_LIMIT_GUEST_LINK_PER_MINUTE = envint("RATE_LIMIT_GUEST_LINK_PER_MINUTE", "30")
# The longest a spreadsheet import may spend reading its rows.
SPREADSHEET_READ_SECONDS = envint("SPREADSHEET_READ_SECONDS", "20")

# Panel invitations: working days an expert has to answer, and the working days before
# that answer date on which an unanswered invitation is recalled to them.
INVITATION_ANSWER_DAYS = envint("INVITATION_ANSWER_DAYS", "5")
if INVITATION_ANSWER_DAYS < 1:
    raise ImproperlyConfigured("INVITATION_ANSWER_DAYS must be 1 or more")
INVITATION_REMINDER_DAYS = envdays("INVITATION_REMINDER_DAYS", "3,1")

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_NAME = "thamvan_language"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Leaflet and Leaflet.draw come from the django-leaflet package; only its
# static files are used (its app would pull in GeoDjango and GDAL).
_leaflet_spec = importlib.util.find_spec("leaflet")
if _leaflet_spec is None or not _leaflet_spec.submodule_search_locations:
    raise ImproperlyConfigured("django-leaflet must be installed")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    Path(next(iter(_leaflet_spec.submodule_search_locations))) / "static",
]
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

STORAGE_BACKEND = env("STORAGE_BACKEND", "local")
if STORAGE_BACKEND not in ("local", "s3"):
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'")
_default_storage: dict[str, Any] = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION") or None,
            "access_key": env("S3_ACCESS_KEY_ID"),
            "secret_key": env("S3_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if STORAGE_BACKEND == "s3"
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Upload limits, in bytes, checked on content before anything is stored.
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", str(100 * 1024 * 1024))
UPLOAD_MAX_UNPACKED_BYTES = envint("UPLOAD_MAX_UNPACKED_BYTES", str(500 * 1024 * 1024))
UPLOAD_MAX_ZIP_ENTRIES = envint("UPLOAD_MAX_ZIP_ENTRIES", "5000")
# Optional malware scanning of uploads by clamd (unix socket or TCP).
CLAMAV_SOCKET = env("CLAMAV_SOCKET")
CLAMAV_HOST = env("CLAMAV_HOST")
CLAMAV_PORT = envint("CLAMAV_PORT", "3310")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "thamvan <no-reply@localhost>")
# Where thamvan.notifications.backends.EmlFileBackend writes each message (`make run`).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
# A mail the server refuses is tried again after 1, 5, 30 and 120 minutes, then given up.
EMAIL_MAX_ATTEMPTS = envint("EMAIL_MAX_ATTEMPTS", "5")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}
        if env("REDIS_URL")
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "thamvan_cache",
        }
    )
}
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING or env("TASKS_BACKEND") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# Map: tiles come from a configured server; boundaries and pins still draw without one.
MAP_TILE_URL = env("MAP_TILE_URL")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION")
MAP_DEFAULT_CENTER = (21.028, 105.834)
MAP_DEFAULT_ZOOM = 11

# Security. Production values are the defaults; `make run` sets DEBUG=true.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(8 * 3600))
# No script reads the language choice; only the server does.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", str(365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "true")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS: list[str] = []

_tile_origin = "/".join(MAP_TILE_URL.split("/")[:3]) if MAP_TILE_URL else None
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_tile_origin] if _tile_origin else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# Periodic jobs run by `manage.py scheduler`: {"dotted.task.path": seconds}.
PERIODIC_TASKS: dict[str, int] = {
    "thamvan.accounts.tasks.prune_login_attempts": 24 * 3600,
    "thamvan.experts.tasks.purge_expert_imports": 3600,
    "thamvan.consultations.tasks.check_deadlines": 3600,
    "thamvan.notifications.tasks.deliver_due_emails": 60,
    "thamvan.programme.tasks.check_task_deadlines": 24 * 3600,
    # A safety net behind the per-object index updates.
    "thamvan.search.tasks.reindex_task": 7 * 24 * 3600,
}
