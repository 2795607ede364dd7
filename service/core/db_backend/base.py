"""``django.db.backends.postgresql`` plus credential refresh after a secret rotation.

ECS injects secrets only when a task starts, but Secrets Manager rotates the database password while tasks
run. When opening a new connection fails with an authentication error and ``DATABASE_SECRET_ARN`` is set,
this backend reads the secret again, updates the credentials in the shared connection settings (so every
thread of the process uses them from then on) and retries once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base as postgresql

from .credentials import SecretsClient, default_secrets_client, fetch_credentials

logger = logging.getLogger(__name__)

# SQLSTATE 28P01 invalid_password, 28000 invalid_authorization_specification.
AUTH_FAILURE_SQLSTATES = frozenset({"28P01", "28000"})
AUTH_FAILURE_MESSAGES = ("password authentication failed", "authentication failed", "no password supplied")

# Replaced in tests by a fake; production builds a boto3 client on first use.
secrets_client_factory: Callable[[str | None], SecretsClient] = default_secrets_client

_refresh_lock = threading.Lock()


def is_authentication_failure(exc: BaseException) -> bool:
    if getattr(exc, "sqlstate", None) in AUTH_FAILURE_SQLSTATES:
        return True
    text = str(exc).lower()
    return any(message in text for message in AUTH_FAILURE_MESSAGES)


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        try:
            return super().get_new_connection(conn_params)
        except psycopg.OperationalError as exc:
            secret_arn = getattr(settings, "DATABASE_SECRET_ARN", "")
            if not secret_arn or not is_authentication_failure(exc):
                raise
            logger.warning("database authentication failed; re-reading the credentials from %s", secret_arn)
            self.refresh_credentials(secret_arn)
            return super().get_new_connection(self.get_connection_params())

    def refresh_credentials(self, secret_arn: str) -> None:
        with _refresh_lock:
            client = secrets_client_factory(getattr(settings, "AWS_REGION", None))
            credentials = fetch_credentials(client, secret_arn)
            # settings_dict is the dict from settings.DATABASES shared by every thread's wrapper.
            self.settings_dict["USER"] = credentials.user
            self.settings_dict["PASSWORD"] = credentials.password
            if credentials.host:
                self.settings_dict["HOST"] = credentials.host
            if credentials.port:
                self.settings_dict["PORT"] = credentials.port
        logger.info("database credentials refreshed from the secret (user %s)", credentials.user)
