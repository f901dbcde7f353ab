"""encours settings: one module, read from the environment, failing fast on bad values."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ENCOURS_VAR_DIR", BASE_DIR / "var"))


class ConfigError(RuntimeError):
    pass


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def env_secret(name: str, *, debug: bool) -> str:
    """A secret from the environment; in development a random one kept under var/."""
    value = os.environ.get(name)
    if value:
        return value
    if not debug:
        raise ConfigError(f"{name} must be set when DEBUG is off")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    keep = VAR_DIR / f"{name.lower()}.txt"
    if not keep.exists():
        keep.write_text(secrets.token_urlsafe(50))
    return keep.read_text().strip()


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_secret("SECRET_KEY", debug=DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "csp",
    "ninja",  # the API docs use django-ninja's own copy of Swagger UI and ReDoc, not a CDN
    "encours.web",
    "encours.accounts",
    "encours.audit",
    "encours.jobs",
    "encours.ledger",
    "encours.reports",
    "encours.risk",
    "encours.insurance",
    "encours.collections",
    "encours.disputes",
    "encours.cash",
    "encours.forecast",
    "encours.sales",
    "encours.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "encours.web.middleware.PageMethodsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "encours.web.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "encours.web.params.BadParameterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "encours.web.middleware.ServiceRefusalMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "encours.urls"
WSGI_APPLICATION = "encours.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "encours" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "encours.web.navigation.menu",
                "encours.sales.context.inbox",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'encours.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # JIT compilation cost more than it saved: 1.7 s to compile an aged balance that runs in 50 ms
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username+IP pair after repeated failures.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 10) * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS in production (DEBUG=0): redirect, HSTS, and trust the proxy's X-Forwarded-Proto when told to.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)  # eligible only: listing is asked for by hand
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts and style sheets only from our own static files, no
# inline script, no inline event handler, no eval, no style attribute (classes in static/css/encours.css).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'none'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "encours" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "encours" / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background jobs: Celery when a broker is configured, else a thread in the web process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TIMEZONE = TIME_ZONE
JOBS_MODE = env_str("JOBS_MODE", "celery" if CELERY_BROKER_URL else "thread")  # celery|thread|sync
CELERY_BEAT_SCHEDULE = {
    # the weekly receivables report, Monday 07:00, to REPORTS_WEEKLY_RECIPIENTS
    # forecast: retrain the payment model and keep the week's cash forecast, Monday 05:30
    "forecast-weekly-retrain": {
        "task": "forecast.weekly_retrain",
        "schedule": crontab(day_of_week="mon", hour=5, minute=30),
    },
    # forecast: re-predict open invoices every morning (after the night's imports), no retraining
    "forecast-daily-predictions": {
        "task": "forecast.refresh_predictions",
        "schedule": crontab(hour=6, minute=0),
    },
    "reports-weekly-report": {
        "task": "reports.send_weekly_report",
        "schedule": crontab(
            day_of_week=env_str("REPORTS_WEEKLY_DAY", "mon"),
            hour=env_int("REPORTS_WEEKLY_HOUR", 7),
            minute=0,
        ),
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 1025)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "encours <no-reply@encours.example>")

# Reports: the weekly report's distribution list (comma-separated) and language
REPORTS_WEEKLY_RECIPIENTS = env_list("REPORTS_WEEKLY_RECIPIENTS")
REPORTS_WEEKLY_LANGUAGE = env_str("REPORTS_WEEKLY_LANGUAGE", LANGUAGE_CODE)

# Imports
IMPORT_MAX_UPLOAD_MB = env_int("IMPORT_MAX_UPLOAD_MB", 200)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Risk: the daily grading / early-warning run and its email digest (06:30), and who may approve
# how large a credit limit (role → ceiling in the functional currency; None: no ceiling).
CELERY_BEAT_SCHEDULE["risk-daily-run"] = {
    "task": "risk.daily_run",
    "schedule": crontab(hour=env_int("RISK_DAILY_HOUR", 6), minute=30),
}
RISK_LIMIT_APPROVAL_THRESHOLDS = {"regional_director": 50_000, "credit_manager": 500_000, "admin": None}

# Collections: the daily dunning run (Celery beat, 06:30) — or cron, see README:
#   30 6 * * *  cd /srv/encours && .venv/bin/python manage.py dunning_run --as-of $(date +\%F) --execute
COLLECTIONS_DAILY_RUN = env_bool("COLLECTIONS_DAILY_RUN", False)
CELERY_BEAT_SCHEDULE["collections-daily-dunning"] = {
    "task": "collections.daily_dunning_run",
    "schedule": crontab(hour=env_int("COLLECTIONS_DAILY_HOUR", 6), minute=30),
}

# Disputes: attachment limit, SLA escalation (owner, then manager) and the owners' daily digest
DISPUTES_ATTACHMENT_MAX_MB = env_int("DISPUTES_ATTACHMENT_MAX_MB", 10)
CELERY_BEAT_SCHEDULE["disputes-escalate"] = {"task": "disputes.escalate", "schedule": crontab(hour=7, minute=30)}
CELERY_BEAT_SCHEDULE["disputes-digest"] = {
    "task": "disputes.digest",
    "schedule": crontab(day_of_week="mon-fri", hour=7, minute=45),
}
CELERY_BEAT_SCHEDULE["disputes-link-credit-notes"] = {
    "task": "disputes.link_credit_notes",
    "schedule": crontab(minute=15),
}
DISPUTES_REPORT_CURRENCY = env_str("DISPUTES_REPORT_CURRENCY", "EUR")  # the weekly report's disputes section

# Forecast: boosting rounds of the payment model (lower it for quick trials)
FORECAST_MAX_ITER = env_int("FORECAST_MAX_ITER", 300)
