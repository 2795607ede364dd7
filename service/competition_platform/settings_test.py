"""Settings for the test suite: production settings on a throwaway PostgreSQL cluster.

The conftest starts the cluster and fills in HOST/PORT before any connection is made (pytest-django's
``django_db_modify_db_settings`` hook), so the same settings module runs against a real PostgreSQL 15.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
# The suite covers the admin (its own test checks that it is off by default).
os.environ.setdefault("DJANGO_ADMIN_ENABLED", "true")

from .settings import *  # noqa: F403
from .settings import INSTALLED_APPS

# The suite covers the dev tools (the seed command) on production settings.
if "devtools" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]

DATABASES = {
    "default": {
        "ENGINE": "core.db_backend",
        "HOST": "filled-in-by-conftest",
        "PORT": "5432",
        "NAME": "postgres",
        "USER": "app",
        "PASSWORD": "",
        "CONN_MAX_AGE": 0,
        "OPTIONS": {},
    }
}

# Speed: hashing with the default PBKDF2 would dominate the suite.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
