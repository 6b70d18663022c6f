"""
Settings for mysteryshop: one file, read from the environment.

Defaults need nothing installed (SQLite, Celery over a folder under var/,
e-mail written to files). Production sets DJANGO_ENV=production and the
variables documented in .env.example; `manage.py check --deploy` is then clean.
"""

import ipaddress
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)  # SQLite, the file broker and e-mail files live here

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of 50+ characters.")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-in-production"
    )
    ALLOWED_HOSTS = env.list(
        "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"]
    )
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The public address every e-mail, worker message and calendar feed links to
# (mysteryshop.site). Production must say it; development follows `make run`'s
# HOST and PORT.
if PRODUCTION:
    SITE_URL = env.str("SITE_URL", default="")
    if not SITE_URL.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            "SITE_URL must be the product's public address, e.g. https://ms.example.com "
            f"(found {SITE_URL!r}): e-mails and calendar feeds link to it."
        )
else:
    SITE_URL = env.str(
        "SITE_URL",
        default=f"http://{env.str('HOST', default='127.0.0.1')}:{env.int('PORT', default=8000)}",
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "simple_history",
    "axes",
    "mysteryshop",
    "programs",
    "sampling",
    "scoring",
    "notifications",
    "followup",
    "reporting",
    "retention",
    "api",
    "devdata",
]

MIDDLEWARE = [
    # First: every later layer's log lines carry the request id; metrics see every answer.
    "mysteryshop.middleware.RequestIdMiddleware",
    "mysteryshop.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mysteryshop.middleware.UserLanguageMiddleware",
    # NUL and other control characters in a path: 404 before any view reads the database.
    "mysteryshop.middleware.RejectBadPathMiddleware",
    # A unique constraint won by a concurrent request: a calm 409 page, not a 500.
    "mysteryshop.middleware.ConcurrentWriteMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mysteryshop.urls"
WSGI_APPLICATION = "mysteryshop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mysteryshop.context_processors.navigation",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections in production (#20: +45 % requests/s measured at 60 s);
# a new one per request in development and tests.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60 if PRODUCTION else 0)
# A reused (persistent) connection is checked before a request uses it, so the first
# request after a database restart reconnects instead of failing (tests/test_faults.py).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that is down or unreachable fails a request in seconds, not at
    # gunicorn's 30 s kill (/healthz then answers 503).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file-backed test database, so a real Celery worker process can share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mysteryshop",
            # A hung Redis fails a cache call in seconds instead of holding the request.
            "OPTIONS": {
                "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=3),
                "socket_connect_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=3),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "programs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling: five failures lock that username from that address for an
# hour. Not by address alone: a whole contact center may share one address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# The client's address (mysteryshop.clientip): X-Forwarded-For is believed only
# from TRUSTED_PROXIES (addresses or networks of the reverse proxies, e.g.
# "127.0.0.1,172.16.0.0/12" for nginx on the docker host), reading the
# TRUSTED_PROXY_COUNT right-most entries our proxies appended. Empty: the socket
# address, and no header is ever believed.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
for _entry in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_entry, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_entry!r} is not an address or network (e.g. 10.0.0.0/8)."
        ) from None
if TRUSTED_PROXY_COUNT < 1:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 1 or more (proxies in front).")
AXES_CLIENT_IP_CALLABLE = "mysteryshop.clientip.client_ip"
# Sign-ins through the identity provider's callback are not counted (no password
# is typed here; mysteryshop.oidc.axes_exempt).
AXES_WHITELIST_CALLABLE = "mysteryshop.oidc.axes_exempt"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# Password-reset mails: at most this many per address and per client address an
# hour (programs.services.accounts); the page answers the same when throttled.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=3)
PASSWORD_RESET_LIMIT_PER_CLIENT = env.int("PASSWORD_RESET_LIMIT_PER_CLIENT", default=30)

# --- Single sign-on (OpenID Connect) ---------------------------------------
# Off unless OIDC_RP_CLIENT_ID is set (mysteryshop.oidc, programs.backends).
# Endpoints: OIDC_OP_DISCOVERY_URL (Entra ID, Keycloak: …/.well-known/openid-
# configuration), or each OIDC_OP_*_ENDPOINT (they win over discovery).
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_DISCOVERY_URL = env.str("OIDC_OP_DISCOVERY_URL", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
# The id token's `iss` must be this (default: the discovery document's issuer).
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10)
OIDC_VERIFY_SSL = True
# The claim holding the e-mail address users are matched by (Entra ID without
# the optional `email` claim: preferred_username), and the one listing groups.
OIDC_EMAIL_CLAIM = env.str("OIDC_EMAIL_CLAIM", default="email")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
# A user the product does not know is created at first sign-in only when true.
OIDC_CREATE_USER = env.bool("OIDC_CREATE_USERS", default=False)
# Provider groups → program roles: "group=PROGRAMCODE:role,..." (roles: manager,
# qc_analyst, shopper, supervisor, team_leader, viewer), given at each sign-in
# through the membership service. With OIDC_GROUP_ROLES_SYNC a mapped role the
# user's groups no longer give is taken away (the last manager excepted).
OIDC_GROUP_ROLES = env.str("OIDC_GROUP_ROLES", default="")
OIDC_GROUP_ROLES_SYNC = env.bool("OIDC_GROUP_ROLES_SYNC", default=False)
# Every so often (seconds) a signed-in session is checked with the provider again
# (prompt=none): a user disabled there is signed out at the next page.
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env.int("OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS", default=900)
OIDC_AUTHENTICATE_CLASS = "mysteryshop.oidc.AuthenticationRequestView"
OIDC_CALLBACK_CLASS = "mysteryshop.oidc.CallbackView"
OIDC_EXEMPT_URLS = ["logout", "healthz", "metrics", "set_language"]
LOGIN_REDIRECT_URL_FAILURE = "login"
# false: no password sign-in at all (the sign-in page shows only the SSO button;
# the admin too signs in through the provider). Needs single sign-on.
LOCAL_PASSWORDS = env.bool("LOCAL_PASSWORDS", default=True)
if OIDC_RP_CLIENT_ID:
    if not OIDC_RP_CLIENT_SECRET:
        raise ImproperlyConfigured(
            "OIDC_RP_CLIENT_ID is set: OIDC_RP_CLIENT_SECRET is needed too."
        )
    _missing = [
        name
        for name in (
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        )
        if not globals()[name]
    ]
    if _missing and not OIDC_OP_DISCOVERY_URL:
        raise ImproperlyConfigured(
            "Single sign-on needs OIDC_OP_DISCOVERY_URL or " + ", ".join(_missing) + "."
        )
    AUTHENTICATION_BACKENDS.insert(1, "programs.backends.SingleSignOnBackend")
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "mysteryshop.oidc.SessionRefresh",
    )
if not LOCAL_PASSWORDS:
    if not OIDC_RP_CLIENT_ID:
        raise ImproperlyConfigured("LOCAL_PASSWORDS=false needs single sign-on (OIDC_RP_*).")
    AUTHENTICATION_BACKENDS.remove("django.contrib.auth.backends.ModelBackend")

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("id", _("Indonesian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Jakarta")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
if not PRODUCTION:
    Path(STATIC_ROOT).mkdir(exist_ok=True)  # whitenoise warns about a missing one
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "mysteryshop.storage.StaticFilesStorage"  # WhiteNoise's, hashed and compressed
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail -----------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="mysteryshop <noreply@mysteryshop.local>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds an SMTP server may take to answer before a delivery gives up and retries
# later: a hung server must not hold a worker slot for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # A hung Redis (accepting connections, never answering) fails a publish in
        # seconds: the upload is saved and says so, the sweeps queue it again.
        "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=3),
        "socket_connect_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=3),
    }
else:
    # A broker that needs no server: messages are files in a folder, which
    # works across processes on one machine (STACK.md).
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),  # not ./control
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# One queue for everything; tests give a real worker and beat a queue of their own.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
# The worker logs through LOGGING (JSON, request id) instead of its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sending a task waits for the broker at most a few seconds: one connection attempt
# of CELERY_BROKER_CONNECTION_TIMEOUT, then a short publish retry (~10 s in all with
# the socket timeout above), after which the caller logs it and the sweeps resend.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=3)
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# Time limits per task kind (seconds): soft raises SoftTimeLimitExceeded in the
# task, hard kills its process. Periodic sweeps and e-mail delivery get the
# defaults; imports and audit packs get more, below the stale thresholds after
# which their sweeps start them again (30 min for imports, 60 for packs).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
LONG_TASK_SOFT_TIME_LIMIT = env.int("LONG_TASK_SOFT_TIME_LIMIT", default=20 * 60)
LONG_TASK_TIME_LIMIT = env.int("LONG_TASK_TIME_LIMIT", default=25 * 60)
CELERY_TASK_ANNOTATIONS = {
    name: {"soft_time_limit": LONG_TASK_SOFT_TIME_LIMIT, "time_limit": LONG_TASK_TIME_LIMIT}
    for name in (
        "sampling.tasks.contact_import_run",
        "reporting.tasks.build_audit_pack",
        "reporting.tasks.purge_expired_records",
    )
}
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", default=30)
# A worker whose last heartbeat is older than this is reported down by /healthz.
HEARTBEAT_STALE_SECONDS = env.int("HEARTBEAT_STALE_SECONDS", default=180)
# /healthz gives up on a broker that does not answer within this many seconds (503).
HEALTH_CHECK_TIMEOUT_SECONDS = env.float("HEALTH_CHECK_TIMEOUT_SECONDS", default=5)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "mysteryshop.tasks.record_heartbeat",
        "schedule": HEARTBEAT_INTERVAL_SECONDS,
    },
    "sweep-waiting-imports": {
        "task": "sampling.tasks.sweep_waiting_imports",
        "schedule": 60,
    },
    "sweep-waiting-agent-imports": {  # agents imports a broker outage left waiting
        "task": "programs.tasks.sweep_waiting_agent_imports",
        "schedule": 300,
    },
    # Reminders: due times live on the rows; overlapping runs are harmless
    # (one notification per kind, occasion and recipient).
    "sweep-reminders": {
        "task": "reporting.tasks.sweep_reminders",
        "schedule": env.int("REMINDER_SWEEP_SECONDS", default=300),
    },
    # PGD-4.8 customer-case calibrations due / overdue, TLK-5.6.2 notes to pass on.
    "sweep-followup-reminders": {
        "task": "followup.tasks.sweep_followup_reminders",
        "schedule": env.int("REMINDER_SWEEP_SECONDS", default=300),
    },
    "deliver-notifications": {
        "task": "reporting.tasks.deliver_notifications",
        "schedule": env.int("NOTIFICATION_DELIVERY_SECONDS", default=60),
    },
    "sweep-audit-packs": {  # packs a broker outage left queued or a dead worker left half-built
        "task": "reporting.tasks.sweep_audit_packs",
        "schedule": 300,
    },
    "sweep-report-documents": {  # F-27 files a broker outage or a dead worker left unmade
        "task": "reporting.tasks.sweep_report_documents",
        "schedule": 300,
    },
    # PGD-6, TLK-6: hourly; each program is purged once a month, on the night
    # of the 1st in its own time zone (retention.services.purge_due_programs).
    "purge-expired-records": {
        "task": "reporting.tasks.purge_expired_records",
        "schedule": crontab(minute="30"),
    },
}

# --- Forms and UI -----------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security ---------------------------------------------------------------
# Strict CSP: scripts only from us or with the per-request nonce; no inline
# styles (htmx's indicator style is switched off in base.html).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # The health probe and the metrics scrape are plain HTTP inside the compose network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]

# --- Logs, errors and metrics ----------------------------------------------
# One line per record on stdout (docker keeps and rotates them): JSON in
# production (LOG_FORMAT=json), plain text in development. Every record carries
# the request id (mysteryshop.logs; X-Request-ID in the response), also in tasks.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain (found {LOG_FORMAT!r}).")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "mysteryshop.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
# Error mails: every unhandled error (500) is mailed to these addresses
# (comma-separated e-mails; needs EMAIL_URL). Empty: logged only (and Sentry).
ADMINS = env.list("DJANGO_ADMINS", default=[])
# Sentry: on only when SENTRY_DSN is set. No personal data is sent (no e-mail,
# no address, no cookies); traces off unless SENTRY_TRACES_SAMPLE_RATE > 0.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=DJANGO_ENV),
        release=env.str("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
# /metrics (Prometheus): off (404) unless a token is set; the scraper sends
# `Authorization: Bearer <METRICS_TOKEN>`.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
