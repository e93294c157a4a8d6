"""Settings, read from the environment (see docs/configuration.md).

Two modes: development (the default: a secret key is generated once under ``var/``) and
production (``MOTCUA_ENV=production``: refuses to start without a real ``SECRET_KEY``).
"""

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = Path(os.environ.get("MOTCUA_HOME", Path.cwd())).resolve()
VAR_DIR = Path(os.environ.get("MOTCUA_VAR_DIR", BASE_DIR / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


MOTCUA_ENV = os.environ.get("MOTCUA_ENV", "development").strip().lower()
if MOTCUA_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("MOTCUA_ENV must be 'development' or 'production'")
PRODUCTION = MOTCUA_ENV == "production"
TESTING = env_bool("MOTCUA_TESTING") or "pytest" in sys.modules

# Known placeholder keys that must never run in production.
INSECURE_SECRET_KEYS = {"", "change-me", "changeme", "secret", "django-insecure"}


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if PRODUCTION:
        if key in INSECURE_SECRET_KEYS or key.startswith("django-insecure") or len(key) < 32:
            raise ImproperlyConfigured(
                "Production mode (MOTCUA_ENV=production) needs SECRET_KEY: a random string of "
                "at least 32 characters."
            )
        return key
    if key:
        return key
    # Development: one random key per installation, kept so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = "django-insecure-" + secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", default=False) and not PRODUCTION
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1],testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "channels",
    "django_tasks_db",
    "axes",
    "motcua.workcalendar",
    "motcua.organization",
    "motcua.audit",
    "motcua.catalog",
    "motcua.notifications",
    "motcua.queueing",
    "motcua.dossiers",
    "motcua.appointments",
    "motcua.integrations",
    "motcua.feedback",
    "motcua.reporting",
    "motcua.realtime",
    "motcua.web",
    "motcua.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header (SECURE_CSP below; docs/security.md).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "motcua.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The client address for audit rows written deep in services (motcua.audit.context).
    "motcua.audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a locked-out log-in into the 429 page (motcua.organization.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "motcua.conf.urls"
WSGI_APPLICATION = "motcua.conf.wsgi.application"
ASGI_APPLICATION = "motcua.conf.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Under ASGI every request runs its database work in a thread of its own, so a persistent
    # connection per thread would leak one connection per request (Django's docs: disable
    # persistent connections under ASGI). PostgreSQL gets a connection pool per process instead
    # (psycopg_pool: DATABASE_POOL_MAX connections at most, handed back after each request);
    # tests close connections after each request so the test database can be dropped.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Parameters sent apart from the statement, and a statement a connection runs often
        # prepared (after DATABASE_PREPARE_THRESHOLD runs), so that PostgreSQL parses and plans
        # it once instead of each time (docs/performance.md: planning took half of
        # PostgreSQL's time per ticket). Django leaves preparing off for the sake of external
        # poolers: behind PgBouncer in transaction mode (before 1.21's
        # max_prepared_statements) set DATABASE_PREPARE_THRESHOLD=off.
        threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip().lower()
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True,
            prepare_threshold=None if threshold in ("", "off", "none") else int(threshold),
        )
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not TESTING:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ.get("DATABASE_POOL_MAX", "8")),
            "timeout": 10,
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "motcua.sqlite3"),
            "OPTIONS": {
                # Writers take the lock at BEGIN, so two writers queue instead of failing with
                # "database is locked" half-way through a transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # MOTCUA_TEST_SQLITE lets two test runs on one checkout use separate files.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "MOTCUA_TEST_SQLITE", str(VAR_DIR / "test.sqlite3")
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Worker threads per ASGI process that serve HTTP requests (motcua.conf.asgi_handler): as many
# as the database pool has connections, so that no request waits for a connection.
ASGI_THREADS = int(os.environ.get("ASGI_THREADS", os.environ.get("DATABASE_POOL_MAX", "8")))

# --- Redis: channel layer and cache ----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Connections per process of the channel layer's pool, and how long a call waits for a free one.
REDIS_CHANNEL_CONNECTIONS = int(os.environ.get("REDIS_CHANNEL_CONNECTIONS", "100"))
REDIS_CHANNEL_WAIT = float(os.environ.get("REDIS_CHANNEL_WAIT", "10"))
CHANNEL_LAYERS: dict[str, Any]
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis with a pool that waits for a free connection (motcua.realtime.layers)
            "BACKEND": "motcua.realtime.layers.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "motcua"},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "motcua",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Log-in failure counts (django-axes) in a cache of their own: the same store as "default"
# (Redis when configured, shared by every process) under their own key prefix.
CACHES["axes"] = {**CACHES["default"], "KEY_PREFIX": "motcua-axes"}
if not REDIS_URL:
    CACHES["axes"]["LOCATION"] = "axes"

# --- Background tasks ----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend",
    }
}

# --- Auth ----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked user name + address before the password is even checked.
    "motcua.organization.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Log-in lock-out (docs/security.md): AXES_FAILURE_LIMIT wrong passwords for one user name
# from one address lock that pair for AXES_COOLOFF_MINUTES; counts kept in the cache.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "axes"
AXES_RESET_ON_SUCCESS = True
# Attempts while locked are refused without extending the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "motcua.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "motcua.organization.lockout.lockout_response"
AXES_ENABLE_ADMIN = False  # the cache handler writes no rows to show
AXES_VERBOSE = False
# The reports' covering indexes (INCLUDE) serve PostgreSQL; SQLite ignores the included
# columns and Django warns about it (docs/reports.md).
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if not REDIS_URL:
    # One process (development, tests): the in-memory cache is fine; axes warns about it
    # because several processes would each count on their own.
    SILENCED_SYSTEM_CHECKS += ["axes.W001"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Languages and time --------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "motcua_language"
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_TZ = True

# --- Files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    # WhiteNoise serves from the app folders here, but warns when STATIC_ROOT is missing.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Uploaded files are never served from a public URL: authorising views stream them.
MEDIA_URL = "/media-not-public/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collectstatic (development, demo, tests) WhiteNoise serves from the app folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- Outside services (used by later modules; empty means "not configured") -----------------
# The address citizens reach the site at, for links in messages (tracking, opting out).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# How many reverse proxies (nginx) stand in front: the client address is read from
# X-Forwarded-For only then (rate limits key on it).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# --- Dossiers ------------------------------------------------------------------------------
DOSSIER_UPLOAD_MAX_BYTES = int(float(os.environ.get("DOSSIER_UPLOAD_MAX_MB", "10")) * 1024 * 1024)
# (requests, seconds) per client address: public lookups, and online submissions. Mobile
# carriers put many citizens behind one address, so the limits stop floods, not people.
DOSSIER_LOOKUP_LIMIT = (60, 300)
DOSSIER_SUBMIT_LIMIT = (20, 3600)
# (requests, seconds) per client address for the queue's public endpoints (docs/security.md):
# remote numbers (besides the per-phone daily cap), and the live ticket page / its polling.
QUEUE_REMOTE_TICKET_LIMIT = (20, 3600)
QUEUE_TICKET_STATUS_LIMIT = (600, 300)
# The appointment QR image (it answers whether a code exists).
APPOINTMENT_QR_LIMIT = (120, 300)

# --- Satisfaction and feedback (docs/feedback.md) -------------------------------------------
# How long after the service a ticket may be rated, and after the result a dossier.
RATING_TICKET_DAYS = 3
RATING_DOSSIER_DAYS = 60
# How long the counter's tablet shows the rating screen before it returns to idle.
RATING_TABLET_SECONDS = int(os.environ.get("RATING_TABLET_SECONDS", "45"))
# Working days to answer a suggestion or complaint.
FEEDBACK_ANSWER_WORKING_DAYS = int(os.environ.get("FEEDBACK_ANSWER_WORKING_DAYS", "10"))
# (requests, seconds) per client address: ratings, feedback submissions, follow-up lookups.
RATING_LIMIT = (30, 3600)
FEEDBACK_SUBMIT_LIMIT = (10, 3600)
FEEDBACK_LOOKUP_LIMIT = (60, 300)
EMAIL_URL = os.environ.get("EMAIL_URL", "")
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
# The gateway's request body, a JSON template with $to, $text and $reference; extra headers.
SMS_GATEWAY_BODY = os.environ.get("SMS_GATEWAY_BODY", "")
SMS_GATEWAY_HEADERS = os.environ.get("SMS_GATEWAY_HEADERS", "")
# The National Public Service Portal's sync (docs/integrations.md): empty URL = off, nothing
# is queued for it; the token goes in the Authorization header; the adapter by its name.
PORTAL_SYNC_URL = os.environ.get("PORTAL_SYNC_URL", "")
PORTAL_SYNC_TOKEN = os.environ.get("PORTAL_SYNC_TOKEN", "")
PORTAL_ADAPTER = os.environ.get("PORTAL_ADAPTER", "http")

# --- Privacy and retention (docs/security.md) -----------------------------------------------
# Tickets lose their phone number this many days after they were issued; closed feedback its
# contact details after this many days; a closed dossier is an administrative record kept this
# many years (an erasure request anonymises only dossiers past it).
QUEUE_PHONE_RETENTION_DAYS = int(os.environ.get("QUEUE_PHONE_RETENTION_DAYS", "30"))
FEEDBACK_RETENTION_DAYS = int(os.environ.get("FEEDBACK_RETENTION_DAYS", "365"))
DOSSIER_RETENTION_YEARS = int(os.environ.get("DOSSIER_RETENTION_YEARS", "10"))

# --- Security ------------------------------------------------------------------------------
# Content-Security-Policy (docs/security.md, "Headers"): scripts, styles, images and
# connections from this site only (no inline script or style; QR codes are data: images;
# websockets are same-origin), never framed, forms post only here.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "media-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading commits the whole domain (and its subdomains) to HTTPS in browsers for
    # months and cannot be undone quickly: a decision for whoever runs the domain, so off
    # unless asked for, and Django's reminder about it (security.W021) is silenced then.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS += ["security.W021"]

# --- Logging -------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Device tokens and API tokens are hashed with this key (HMAC) so a stolen database alone
# cannot be used to call the API.
TOKEN_HASH_KEY = os.environ.get("TOKEN_HASH_KEY", SECRET_KEY)
