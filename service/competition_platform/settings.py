"""Settings of the competition service, read from the environment (12-factor).

Production (the ECS task) receives DATABASE_* from the RDS secret, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and
SUBMISSIONS_BUCKET. Without DATABASE_HOST the service runs on SQLite in this folder (local development).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_int, env_list, env_str
from core.structured_logging import logging_config_from_environment

# The type stubs' generic classes (ModelAdmin[Role], ...) must be subscriptable when the code runs.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

# Which deployment this is (dev, staging, prod; "local" on a developer's machine): shown in the admin's header so
# that an operator sees which environment they are editing.
PLATFORM_ENVIRONMENT = env_str("PLATFORM_ENVIRONMENT", "local")

# DJANGO_SECRET_KEY is one Secrets Manager value, "new_key" or, while a key is being rotated, "new_key,old_key":
# the keys after the first only verify what the old key signed (sessions, password-reset links) until they expire.
# One secret keeps the rotation to editing one value (README: rotating the Django secret key).
_secret_keys = env_list("DJANGO_SECRET_KEY")
if not _secret_keys:
    if not DEBUG:
        raise ImproperlyConfigured(
            "The environment variable DJANGO_SECRET_KEY is required: set it to a long random value "
            "(it is required unless DJANGO_DEBUG=true)"
        )
    _secret_keys = ["django-insecure-local-development-only"]
SECRET_KEY, *SECRET_KEY_FALLBACKS = _secret_keys

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "core",
    "access",
    "competitions",
    "teams",
    "submissions",
    "leaderboards",
]
# The dev tools (the `seed` command) are not in the image (.dockerignore): installed for local development only;
# the test settings add them too.
if DEBUG:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    # First: the request id (from the ALB's trace header) for every log record, and one record per request.
    "core.request_context.RequestContextMiddleware",
    # Then /healthz and /readyz, answered before host validation, redirects or any other middleware.
    "core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # PostgreSQL refuses NUL in text: a path, query parameter or header holding one is a 400, not a 500.
    "core.text_input.RejectNulMiddleware",
    # A per-process limit on concurrent requests (health checks always find a thread), then the database time
    # budget of each request.
    "core.concurrency_limit.ConcurrencyLimitMiddleware",
    "core.db_budget.DatabaseTimeBudgetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns an admin login refused by django-axes into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "competition_platform.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "competition_platform.wsgi.application"

# --- Database -------------------------------------------------------------------------------------------
# ECS injects the fields of the RDS-generated secret (host/port/dbname/username/password). The custom backend
# re-reads that secret (DATABASE_SECRET_ARN) when a new connection fails authentication after a rotation.
#
# Every wait on the database is bounded (README, "Database timeouts"): libpq's connect_timeout; TCP keepalives and
# tcp_user_timeout end a connection whose packets vanish (a failover, a partition); the server cancels a statement
# after statement_timeout and a lock wait after lock_timeout; and the web request's database round trips together
# get DATABASE_REQUEST_BUDGET_MS, enforced from outside the waiting thread (core/db_budget.py).
DATABASE_REQUEST_BUDGET_MS = env_int("DATABASE_REQUEST_BUDGET_MS", 10_000)
DATABASE_PROBE_TIMEOUT_MS = env_int("DATABASE_PROBE_TIMEOUT_MS", 2_000)
_server_timeouts = {
    "statement_timeout": env_int("DATABASE_STATEMENT_TIMEOUT_MS", 5_000),
    "lock_timeout": env_int("DATABASE_LOCK_TIMEOUT_MS", 2_000),
    "idle_in_transaction_session_timeout": env_int("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", 30_000),
}
if env_str("DATABASE_HOST"):
    _db_options: dict[str, object] = {
        "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5),
        "keepalives": 1,
        "keepalives_idle": env_int("DATABASE_KEEPALIVES_IDLE", 30),
        "keepalives_interval": env_int("DATABASE_KEEPALIVES_INTERVAL", 10),
        "keepalives_count": env_int("DATABASE_KEEPALIVES_COUNT", 3),
        "tcp_user_timeout": env_int("DATABASE_TCP_USER_TIMEOUT_MS", 10_000),
        "options": " ".join(f"-c {name}={value}" for name, value in _server_timeouts.items()),
    }
    if env_str("DATABASE_SSLMODE"):
        _db_options["sslmode"] = env_str("DATABASE_SSLMODE")
    DATABASES = {
        "default": {
            "ENGINE": "core.db_backend",
            "HOST": env_str("DATABASE_HOST"),
            "PORT": env_str("DATABASE_PORT", "5432"),
            "NAME": env_str("DATABASE_NAME", "postgres"),
            "USER": env_str("DATABASE_USER", "postgres"),
            "PASSWORD": env_str("DATABASE_PASSWORD"),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": _db_options,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    }
# Requests of one process that may run at once; one gunicorn thread stays free for health checks. A request that
# finds no slot within API_QUEUE_WAIT_MS (or every slot held by requests older than that) answers 503 service_busy
# (core/concurrency_limit.py).
API_CONCURRENCY_LIMIT = env_int("API_CONCURRENCY_LIMIT", max(1, env_int("GUNICORN_THREADS", 4) - 1))
API_QUEUE_WAIT_MS = env_int("API_QUEUE_WAIT_MS", 250)

# The migration task: how long `migrate` waits for another run's advisory lock (core/migration_lock.py), and the
# web service's own login role it provisions (core/app_role.py; set from the app secret, migration task only).
DATABASE_MIGRATION_LOCK_TIMEOUT = env_int("DATABASE_MIGRATION_LOCK_TIMEOUT", 300)
DATABASE_APP_USER = env_str("DATABASE_APP_USER")
DATABASE_APP_PASSWORD = env_str("DATABASE_APP_PASSWORD")

# SQLite (local development only) cannot enforce UNIQUE ... NULLS NOT DISTINCT; PostgreSQL does.
SILENCED_SYSTEM_CHECKS = [] if env_str("DATABASE_HOST") else ["models.W047"]
DATABASE_SECRET_ARN = env_str("DATABASE_SECRET_ARN")
AWS_REGION = env_str("AWS_REGION") or env_str("AWS_DEFAULT_REGION")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Throttle counters must be shared by every task behind the load balancer: the database cache does that
# without another piece of infrastructure. Its table is created by a migration (core/0001).
CACHE_TABLE = "django_cache"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_TABLE,
    }
}

# --- The Django admin ----------------------------------------------------------------------------------------
# Served only when DJANGO_ADMIN_ENABLED=true (infra: cdk.json service.adminEnabled); 404 otherwise.
ADMIN_ENABLED = env_bool("DJANGO_ADMIN_ENABLED", default=False)

# Proxies in front of the service whose X-Forwarded-For entries are trusted (the ALB): throttles and the admin's
# login limit find the caller's address with it (core/client_address.py).
NUM_PROXIES = env_int("NUM_PROXIES", 1)

# Brute-force limit on admin logins (django-axes): ADMIN_LOGIN_FAILURE_LIMIT failures per address or per account
# lock further attempts for ADMIN_LOGIN_COOLOFF_MINUTES after the last failure. Counters live in the database, so
# every task sees them.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "core.login_lockout.AdminLoginHandler"  # axes' database handler, for admin logins only
AXES_ONLY_ADMIN_SITE = True  # the token endpoint has its own throttle (THROTTLE_TOKEN)
AXES_FAILURE_LIMIT = env_int("ADMIN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ADMIN_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # either one locks
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_ip"
AXES_LOCKOUT_CALLABLE = "core.login_lockout.lockout_response"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (the admin's), served by whitenoise ----------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = DEBUG

# --- Files: S3 when the bucket is configured, the local filesystem otherwise ----------------------------------
# Submissions under submissions/<competition id>/<team id>/<uuid>.csv[.gz], ground truths under
# ground-truth/<competition id>/<version>.parquet (and the host's uploaded CSV under ground-truth/<id>/uploads/).
# Clients upload straight to the bucket with presigned POSTs (core/uploads/); SigV4 and virtual-hosted addressing
# give the bucket's regional URL that a presigned POST needs.
SUBMISSIONS_BUCKET = env_str("SUBMISSIONS_BUCKET")


def _file_storage(folder: str) -> dict[str, object]:
    if SUBMISSIONS_BUCKET:
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": SUBMISSIONS_BUCKET,
                "region_name": AWS_REGION or None,
                "location": folder,
                "file_overwrite": False,
                "default_acl": None,
                "querystring_auth": True,
                "signature_version": "s3v4",
                "addressing_style": "virtual",
            },
        }
    # Locally: the same folders under LOCAL_STORAGE_DIR (default service/media/; submissions in the folder itself).
    root = Path(env_str("LOCAL_STORAGE_DIR") or BASE_DIR / "media")
    local = root if folder == "submissions" else root / folder
    return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(local)}}


STORAGES = {
    "default": _file_storage("submissions"),
    "ground_truth": _file_storage("ground-truth"),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Largest accepted submission file (the presigned POST's content-length-range, checked again on completion), what a
# gzip-compressed one may expand to, the ground truth's limit; upload tickets expire after UPLOAD_TICKET_SECONDS.
SUBMISSION_MAX_BYTES = env_int("SUBMISSION_MAX_BYTES", 20 * 1024 * 1024)
SUBMISSION_MAX_DECOMPRESSED_BYTES = env_int("SUBMISSION_MAX_DECOMPRESSED_BYTES", 8 * SUBMISSION_MAX_BYTES)
GROUND_TRUTH_MAX_BYTES = env_int("GROUND_TRUTH_MAX_BYTES", 50 * 1024 * 1024)
UPLOAD_TICKET_SECONDS = env_int("UPLOAD_TICKET_SECONDS", 15 * 60)

# --- Scoring (submissions/worker/) ---------------------------------------------------------------------------------
# Unset SCORING_QUEUE_URL: enqueueing runs the worker's code in-process once the transaction commits (local, tests).
# Set: messages go to this SQS queue and `manage.py run_scoring_worker` takes them; SCORING_DEAD_LETTER_QUEUE_URL is
# its redrive target, SCORING_MAX_RECEIVES the redrive policy's maxReceiveCount. A message is kept invisible (extended
# every SCORING_HEARTBEAT_SECONDS by SCORING_LEASE_SECONDS) for at most SCORING_MAX_SECONDS; SIGTERM gives the message
# in hand SCORING_STOP_SECONDS to finish (below ECS's stop timeout) before it is released to another worker.
SCORING_QUEUE_URL = env_str("SCORING_QUEUE_URL")
SCORING_DEAD_LETTER_QUEUE_URL = env_str("SCORING_DEAD_LETTER_QUEUE_URL")
SCORING_MAX_SECONDS = env_int("SCORING_MAX_SECONDS", 15 * 60)
SCORING_MAX_RECEIVES = env_int("SCORING_MAX_RECEIVES", 3)
SCORING_HEARTBEAT_SECONDS = env_int("SCORING_HEARTBEAT_SECONDS", 20)
SCORING_LEASE_SECONDS = env_int("SCORING_LEASE_SECONDS", 60)
SCORING_STOP_SECONDS = env_int("SCORING_STOP_SECONDS", 25)
# Messages a worker takes per receive (1-10): more is fewer SQS calls, 1 lets every idle worker help with a burst.
SCORING_RECEIVE_BATCH = env_int("SCORING_RECEIVE_BATCH", 1)
if not 1 <= SCORING_RECEIVE_BATCH <= 10:
    raise ImproperlyConfigured(f"SCORING_RECEIVE_BATCH must be from 1 to 10, got {SCORING_RECEIVE_BATCH}")
# Set by ECS itself in every task (the agent's endpoint): a worker holding a message protects its task from scale-in.
ECS_AGENT_URI = env_str("ECS_AGENT_URI")
# Parsed ground truths a worker keeps (a burst of submissions to one competition reads its ground truth once).
SCORING_GROUND_TRUTH_CACHE_ENTRIES = env_int("SCORING_GROUND_TRUTH_CACHE_ENTRIES", 4)
# A queued submission whose message was never sent is sent again this long after (sweep_scoring, a new completion);
# one sent longer ago than the queue keeps a message (SQS then drops it silently) is sent again as well.
SCORING_RESEND_AFTER_SECONDS = env_int("SCORING_RESEND_AFTER_SECONDS", 5 * 60)
SCORING_QUEUE_RETENTION_SECONDS = env_int("SCORING_QUEUE_RETENTION_SECONDS", 4 * 24 * 60 * 60)
_POSITIVE = ("SCORING_MAX_SECONDS", "SCORING_MAX_RECEIVES", "SCORING_HEARTBEAT_SECONDS", "SCORING_LEASE_SECONDS")
for _name in (*_POSITIVE, "SCORING_RESEND_AFTER_SECONDS", "SCORING_QUEUE_RETENTION_SECONDS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1, got {globals()[_name]}")
if SCORING_LEASE_SECONDS <= SCORING_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("SCORING_LEASE_SECONDS must be longer than SCORING_HEARTBEAT_SECONDS")
# Largest JSON or url-encoded form body of an API request (files come as multipart, capped above): 413 beyond.
API_BODY_MAX_BYTES = env_int("API_BODY_MAX_BYTES", 1024 * 1024)

# --- Django REST Framework ---------------------------------------------------------------------------------
_renderers = ["rest_framework.renderers.JSONRenderer"]
if DEBUG:
    # Production serves JSON only: the browsable API's forms would list related objects.
    _renderers.append("rest_framework.renderers.BrowsableAPIRenderer")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"]
    + (["rest_framework.authentication.SessionAuthentication"] if DEBUG else []),
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": _renderers,
    # DRF's parsers plus a size cap, a depth cap and no NUL characters (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "core.parsers.MultiPartParser",
        "core.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exception_handler.json_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "submissions": env_str("THROTTLE_SUBMISSIONS", "30/minute"),
        "token": env_str("THROTTLE_TOKEN", "10/minute"),
        "denied_writes": env_str("THROTTLE_DENIED_WRITES", "10/minute"),
    },
    "NUM_PROXIES": NUM_PROXIES,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Competition platform API",
    "DESCRIPTION": "Competitions, teams, scored submissions, leaderboards and object-level RBAC.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (drf-spectacular-sidecar, pinned), not from a public CDN; no call to the
    # public validator either.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # Two "status" fields: a submission's six statuses, and a ground-truth upload's one (awaiting its file).
    "ENUM_NAME_OVERRIDES": {
        "SubmissionStatusEnum": "submissions.models.SubmissionStatus",
        "GroundTruthUploadStatusEnum": [("awaiting_upload", "awaiting_upload")],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi_service_errors.document_service_errors",
    ],
}

# --- Security (the ALB terminates TLS and forwards X-Forwarded-Proto) ---------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
# Session and CSRF cookies only over HTTPS; dev's load balancer speaks plain HTTP (infra sets false there).
SECURE_COOKIES = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# A CSRF failure (the admin's forms) answers in the error shape like every other error.
CSRF_FAILURE_VIEW = "core.exception_handler.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# Every response allows content from our own origin only: no inline script or style, no other origin (django-csp).
# Swagger UI draws its icons from data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Logging: one JSON object per line on stdout (CloudWatch via the awslogs driver) ------------------------------
# Every record carries environment and request_id (core/structured_logging.py); each request adds one record with
# "event": "request" (core/request_context.py). DJANGO_LOG_FORMAT=plain for a terminal (the default with
# DJANGO_DEBUG=true).
LOGGING = logging_config_from_environment()
