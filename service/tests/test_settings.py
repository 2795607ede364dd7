"""Settings come from the environment; each case imports them in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SERVICE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-3f9c0e1d7b6a5c4d3e2f1a0b9c8d7e6f",
    "DJANGO_ALLOWED_HOSTS": "api.example.com,example.com",
    "DATABASE_HOST": "db.internal",
    "DATABASE_PORT": "5432",
    "DATABASE_NAME": "platform",
    "DATABASE_USER": "app",
    "DATABASE_PASSWORD": "pw",
    "DATABASE_SSLMODE": "require",
    "SUBMISSIONS_BUCKET": "submissions-bucket",
    "AWS_REGION": "eu-west-1",
}
PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": db["ENGINE"],
    "db": {k: str(db.get(k)) for k in ("HOST", "PORT", "NAME", "USER")},
    "options": db.get("OPTIONS", {}),
    "storage": settings.STORAGES["default"]["BACKEND"],
    "storage_options": settings.STORAGES["default"].get("OPTIONS", {}),
    "hosts": settings.ALLOWED_HOSTS,
    "csrf": settings.CSRF_TRUSTED_ORIGINS,
    "renderers": settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"],
    "proxy": list(settings.SECURE_PROXY_SSL_HEADER),
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "cache": settings.CACHES["default"]["BACKEND"],
    "first_middleware": settings.MIDDLEWARE[:2],
    "secure_cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "secret_key": settings.SECRET_KEY,
    "secret_key_fallbacks": settings.SECRET_KEY_FALLBACKS,
}))
"""


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SUBMISSIONS_", "AWS_"))}
    clean["DJANGO_SETTINGS_MODULE"] = "competition_platform.settings"
    return subprocess.run(  # noqa: S603 - the test's own interpreter
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=SERVICE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def printed(result: subprocess.CompletedProcess[str]) -> str:
    """What the code printed last: log records (JSON lines on stdout too) may come before it."""
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def probe(env: dict[str, str]) -> dict:
    result = run_python(PROBE, env)
    assert result.returncode == 0, result.stderr
    return json.loads(printed(result))


def test_production_settings_follow_the_environment():
    settings = probe(PRODUCTION_ENV)
    assert settings["debug"] is False
    assert settings["engine"] == "core.db_backend"
    assert settings["db"] == {"HOST": "db.internal", "PORT": "5432", "NAME": "platform", "USER": "app"}
    assert settings["options"]["sslmode"] == "require"
    assert settings["storage"] == "storages.backends.s3.S3Storage"
    assert settings["storage_options"]["bucket_name"] == "submissions-bucket"
    assert settings["storage_options"]["region_name"] == "eu-west-1"
    assert settings["hosts"] == ["api.example.com", "example.com"]
    assert settings["renderers"] == ["rest_framework.renderers.JSONRenderer"]
    assert settings["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert settings["ssl_redirect"] is True
    assert settings["cache"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings["first_middleware"] == [
        "core.request_context.RequestContextMiddleware",
        "core.health.HealthCheckMiddleware",
    ]
    assert settings["secure_cookies"] == [True, True]


def test_every_wait_on_the_database_is_bounded_by_default():
    options = probe(PRODUCTION_ENV)["options"]
    assert options == {
        "connect_timeout": 5,
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        "tcp_user_timeout": 10000,
        "options": "-c statement_timeout=5000 -c lock_timeout=2000 -c idle_in_transaction_session_timeout=30000",
        "sslmode": "require",
    }


def test_database_timeouts_follow_the_environment():
    options = probe(
        {
            **PRODUCTION_ENV,
            "DATABASE_CONNECT_TIMEOUT": "3",
            "DATABASE_TCP_USER_TIMEOUT_MS": "7000",
            "DATABASE_STATEMENT_TIMEOUT_MS": "1500",
            "DATABASE_LOCK_TIMEOUT_MS": "500",
            "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS": "9000",
        }
    )["options"]
    assert (options["connect_timeout"], options["tcp_user_timeout"]) == (3, 7000)
    assert (
        options["options"]
        == "-c statement_timeout=1500 -c lock_timeout=500 -c idle_in_transaction_session_timeout=9000"
    )


@pytest.mark.parametrize(("value", "expected"), [("false", [False, False]), ("true", [True, True])])
def test_secure_cookies_follow_django_secure_cookies(value, expected):
    assert probe({**PRODUCTION_ENV, "DJANGO_SECURE_COOKIES": value})["secure_cookies"] == expected


def test_secure_cookies_are_off_by_default_in_local_development():
    assert probe({"DJANGO_DEBUG": "true"})["secure_cookies"] == [False, False]


def test_without_database_settings_local_development_uses_sqlite_and_the_filesystem():
    settings = probe({"DJANGO_DEBUG": "true"})
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["storage"] == "django.core.files.storage.FileSystemStorage"
    assert settings["storage_options"]["location"].endswith("service/media")
    assert "rest_framework.renderers.BrowsableAPIRenderer" in settings["renderers"]


def test_a_missing_secret_key_fails_at_start_naming_the_variable():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = run_python(PROBE, env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_a_secret_key_of_only_separators_is_refused():
    result = run_python(PROBE, {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": " , "})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_one_secret_key_has_no_fallbacks():
    settings = probe(PRODUCTION_ENV)
    assert settings["secret_key"] == PRODUCTION_ENV["DJANGO_SECRET_KEY"]
    assert settings["secret_key_fallbacks"] == []


def test_during_a_rotation_the_keys_after_the_first_are_fallbacks():
    settings = probe({**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "new-key-" + "n" * 50 + ",old-key-" + "o" * 50})
    assert settings["secret_key"] == "new-key-" + "n" * 50
    assert settings["secret_key_fallbacks"] == ["old-key-" + "o" * 50]


def test_a_token_signed_with_the_old_key_still_verifies_during_the_rotation():
    sign = "from django.core import signing; import django; django.setup(); print(signing.dumps('alice'))"
    old_key = "old-key-" + "o" * 50
    token = printed(run_python(sign, {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": old_key}))
    verify = f"from django.core import signing; import django; django.setup(); print(signing.loads({token!r}))"
    rotating = run_python(verify, {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "new-key-" + "n" * 50 + "," + old_key})
    assert printed(rotating) == "alice", rotating.stderr
    rotated = run_python(verify, {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "new-key-" + "n" * 50})
    assert "BadSignature" in rotated.stderr


def test_an_invalid_boolean_is_refused():
    result = run_python(PROBE, {**PRODUCTION_ENV, "DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_csrf_trusted_origins_are_comma_separated():
    settings = probe({**PRODUCTION_ENV, "DJANGO_CSRF_TRUSTED_ORIGINS": "https://a.example.com, https://b.example.com"})
    assert settings["csrf"] == ["https://a.example.com", "https://b.example.com"]


@pytest.mark.parametrize("env_update", [{}, {"DJANGO_SECURE_SSL_REDIRECT": "true"}])
def test_check_deploy_is_clean_with_production_settings(env_update):
    result = run_python(
        "", {**PRODUCTION_ENV, **env_update}, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
