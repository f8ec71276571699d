"""socialops settings: one module, configured from the environment (django-environ).

DATABASE_URL  default: an SQLite file next to manage.py
REDIS_URL     absent: Celery runs tasks eagerly in-process and the cache is local memory
SECRET_KEY    required when DEBUG is off
DEBUG         default: off
ALLOWED_HOSTS comma-separated, default: localhost,127.0.0.1
"""

import datetime as dt
from pathlib import Path

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
_DEV_SECRET = "insecure-dev-only-secret-key-do-not-use-in-production-000000"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    # Installed but unused since teams.ApiToken (migration teams 0007 moved its keys over);
    # kept so existing databases' authtoken_token table stays managed.
    "rest_framework.authtoken",
    # Lockout after repeated failed sign-ins. Before governance, whose failed-sign-in audit
    # reads the lockout axes marks on the request (governance.signals).
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "socialops",
    "socialops.audit",
    "socialops.idempotency",
    "teams",
    "workload",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (static files keep their own caching), above sessions and auth so
    # that their process_response sees the user DRF authenticated (docs/security.md).
    "csp.middleware.CSPMiddleware",
    "socialops.common.middleware.PermissionsPolicyMiddleware",
    "socialops.common.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "teams.middleware.PersonLanguageMiddleware",
    "socialops.idempotency.middleware.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a locked-out sign-in into teams.authentication.lockout_response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "socialops.urls"
WSGI_APPLICATION = "socialops.wsgi.application"

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
                "socialops.context_processors.roles",
                "governance.context_processors.review_nav",
                "workload.context_processors.running_timer",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The dev server and the in-process Celery share one file: wait for locks
    # rather than failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ---- Sign-in (docs/security.md "Sign-in") ----
# Argon2 for new and re-saved passwords; older PBKDF2 hashes still verify and are upgraded
# at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "teams.authentication.SignInLockoutBackend",  # axes: refuses locked-out sign-ins
    "django.contrib.auth.backends.ModelBackend",
]
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)  # seconds
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=False)
# API tokens (teams.ApiToken): a new one per sign-in, valid this many days; older open
# tokens beyond TOKEN_MAX_PER_USER are revoked when a new one is issued.
TOKEN_TTL = dt.timedelta(days=env.int("TOKEN_TTL_DAYS", default=30))
TOKEN_MAX_PER_USER = env.int("TOKEN_MAX_PER_USER", default=10)
# django-axes: after AXES_FAILURE_LIMIT failures for one username, or from one address, that
# username / address is locked for SIGNIN_COOLOFF_MINUTES. An admin unlocks earlier by
# deleting the row in the admin (Axes › Access attempts) or `manage.py axes_reset_username
# <name>` / `axes_reset_ip <address>`.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("SIGNIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
# Failures while locked are refused and not counted, so an attacker cannot keep extending a
# victim's lockout; a success does not reset the counts (it would also clear the address's
# failures against other usernames).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "teams.authentication.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in governance.LoginSession already
AXES_VERBOSE = False
# Behind a reverse proxy: how many proxies set X-Forwarded-For (unset: REMOTE_ADDR only).
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=None)
if AXES_IPWARE_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
# Failed sign-ins are audited at most this many times per address per window (axes still
# counts every one), so nobody can grow the audit chain without signing in.
AUDIT_FAILED_SIGNIN_LIMIT = env.int("AUDIT_FAILED_SIGNIN_LIMIT", default=10)
AUDIT_FAILED_SIGNIN_WINDOW = dt.timedelta(
    minutes=env.int("AUDIT_FAILED_SIGNIN_WINDOW_MINUTES", default=60)
)

LANGUAGE_CODE = "en"
# Pages and API messages in English, Italian and Indonesian: the person's saved choice
# (teams.middleware.PersonLanguageMiddleware), else Accept-Language, else English.
LANGUAGES = [("en", "English"), ("it", "Italiano"), ("id", "Bahasa Indonesia")]
# One catalogue for the whole project, in socialops/catalogues (see docs/i18n.md). Not named
# "locale": makemessages would adopt a directory of that name for the files beneath it.
LOCALE_PATHS = [BASE_DIR / "socialops" / "catalogues"]
TIME_ZONE = "UTC"  # the server stores and schedules in UTC; every member has their own zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Bodies larger than this are refused with 400 before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with REDIS_URL it uses Redis as broker and result store; without it, tasks run
# eagerly in the calling process so `make run` needs no services.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Must exceed the longest task: a task not acknowledged within it is redelivered.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_TIMEZONE = "UTC"
# Outbox deliveries are retried with backoff, then dead-lettered (docs/governance.md).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# Personal rows (task logs, leave, on-call, pulses, scores) older than this many months are
# purged daily (workload.services.retention; docs/privacy.md "Retention"). At least 13.
RETENTION_MONTHS = env.int("RETENTION_MONTHS", default=24)
# Every task names its queue; a worker started without -Q consumes all of these.
CELERY_TASK_QUEUES = (Queue("default"), Queue("scores"), Queue("governance"))
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes unauthenticated calls 401, not 403.
        # Token sign-in happens inside the view: this one also applies the person's language.
        # Tokens are teams.ApiToken (hashed, expiring, revocable).
        "teams.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Throttled calls answer 429 JSON with Retry-After. The token endpoint has its own,
    # stricter scope ("auth", per address) besides the axes lockout.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="60/minute"),
        "user": env.str("THROTTLE_USER", default="1200/minute"),
        "auth": env.str("THROTTLE_AUTH", default="10/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "socialops.common.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["socialops.common.filters.ScopedFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "socialops.common.exceptions.exception_handler",
    "DATE_INPUT_FORMATS": ["iso-8601"],
    "TIME_FORMAT": "%H:%M",
    "TIME_INPUT_FORMATS": ["%H:%M", "%H:%M:%S"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "socialops API",
    "DESCRIPTION": "Work logs, staffing, burnout risk and channel access for a social team.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {"BandEnum": "workload.models.BurnoutScore.Band"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "socialops.common.schema.add_error_responses",
        "socialops.common.schema.times_as_hh_mm",
        "socialops.idempotency.schema.add_idempotency_key",
    ],
}

# ---- Web hardening (docs/security.md) -------------------------------------------------------
# Content-Security-Policy (django-csp 4): no inline script or style anywhere, no eval. Every
# script is a static file; a script that must be inline takes nonce="{{ request.csp_nonce }}"
# (the nonce joins script-src only on responses that use it). The API docs page adds what
# Swagger UI needs with a decorator (socialops/urls.py); nothing else is relaxed.
_CSP_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_CSP_SELF],
        "script-src": [_CSP_SELF, NONCE],
        "style-src": [_CSP_SELF],
        "img-src": [_CSP_SELF, "data:"],
        "font-src": [_CSP_SELF],
        "connect-src": [_CSP_SELF],
        "manifest-src": [_CSP_SELF],
        "worker-src": [_CSP_SELF],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": [_CSP_SELF],
        "frame-ancestors": ["'none'"],
    },
}
# Permissions-Policy: socialops.common.middleware.DEFAULT_PERMISSIONS_POLICY (every feature off).
SECURE_CONTENT_TYPE_NOSNIFF = True  # X-Content-Type-Options: nosniff
SECURE_REFERRER_POLICY = "same-origin"  # no URL (ids, filters) leaves the site in a Referer
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# API bodies: JSON is size- and depth-checked before it is parsed (socialops/common/parsers.py).
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "socialops.common.parsers.LimitedJSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    # Preloading commits the whole domain to HTTPS in browsers for good: each deployment opts
    # in with SECURE_HSTS_PRELOAD=true. Not preloading is a choice, not an oversight.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Audit chain anchoring (docs/deployment.md "Audit log"). The HMAC key signs checkpoints of
# the chain head; it comes from the environment only and is never stored in the database.
# Unset: no checkpoint is written (the job logs a warning) and `check --deploy` warns.
AUDIT_CHECKPOINT_KEY = env.str("AUDIT_CHECKPOINT_KEY", default="")
# A JSON-lines file outside the database that each checkpoint is appended to ("" = none).
AUDIT_CHECKPOINT_FILE = env.str("AUDIT_CHECKPOINT_FILE", default="")
# A second anchor: each checkpoint POSTed to this URL through the outbox (signed with the
# secret, as revocation webhooks are), e.g. a log store or an evidence bucket's function.
# Settings, not a Connector row: someone who can rewrite the database must not be able to
# redirect the anchor too. Both or neither.
AUDIT_CHECKPOINT_WEBHOOK_URL = env.str("AUDIT_CHECKPOINT_WEBHOOK_URL", default="")
AUDIT_CHECKPOINT_WEBHOOK_SECRET = env.str("AUDIT_CHECKPOINT_WEBHOOK_SECRET", default="")
# Database roles the app connects as, granted only SELECT and INSERT on the audit tables by
# audit migration 0005 (besides the migrating role itself when it is not a superuser).
AUDIT_DB_APP_ROLES = env.list("AUDIT_DB_APP_ROLES", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
