"""Settings of the competition service, read from the environment (12-factor).

Production (the ECS task) receives DATABASE_* from the RDS secret, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and
SUBMISSIONS_BUCKET. Without DATABASE_HOST the service runs on SQLite in this folder (local development).
"""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_int, env_list, env_str

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
    # First: answers /healthz and /readyz before host validation, redirects or any other middleware.
    "core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
if env_str("DATABASE_HOST"):
    _db_options: dict[str, object] = {"connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5)}
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

# --- Submission files: S3 when the bucket is configured, the local filesystem otherwise ------------------
SUBMISSIONS_BUCKET = env_str("SUBMISSIONS_BUCKET")
if SUBMISSIONS_BUCKET:
    _default_storage: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": SUBMISSIONS_BUCKET,
            "region_name": AWS_REGION or None,
            "location": "submissions",
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(BASE_DIR / "media")},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Largest accepted submission file; a larger upload is rejected with a 400.
SUBMISSION_MAX_BYTES = env_int("SUBMISSION_MAX_BYTES", 20 * 1024 * 1024)
GROUND_TRUTH_MAX_BYTES = env_int("GROUND_TRUTH_MAX_BYTES", 50 * 1024 * 1024)

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
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exception_handler.json_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "submissions": env_str("THROTTLE_SUBMISSIONS", "30/minute"),
        "token": env_str("THROTTLE_TOKEN", "10/minute"),
    },
    "NUM_PROXIES": env_int("NUM_PROXIES", 1),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Competition platform API",
    "DESCRIPTION": "Competitions, teams, scored submissions, leaderboards and object-level RBAC.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Security (the ALB terminates TLS and forwards X-Forwarded-Proto) ---------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"

# --- Logging: everything to stdout (CloudWatch via the awslogs driver) --------------------------------------
LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
