"""``django.db.backends.postgresql`` plus credential refresh after a secret rotation, and every network round trip
guarded by the request's database time budget (``core.db_budget``).

ECS injects secrets only when a task starts, but Secrets Manager rotates the database password while tasks
run. When opening a new connection fails with an authentication error and ``DATABASE_SECRET_ARN`` is set,
this backend reads the secret again, updates the credentials in the shared connection settings (so every
thread of the process uses them from then on) and retries once.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base as postgresql

from .. import db_budget
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


def connect_timeout_within_budget(conn_params: dict[str, Any]) -> dict[str, Any]:
    """No longer than what is left of the budget (libpq's minimum is 2 s); refuses at once when nothing is left."""
    remaining = db_budget.remaining_seconds()
    if remaining is None:
        return conn_params
    configured = int(conn_params.get("connect_timeout") or 0) or math.inf
    return {**conn_params, "connect_timeout": int(max(2, min(configured, math.ceil(remaining))))}


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # First in the list, so innermost: it guards exactly the driver's round trip.
        self.execute_wrappers.append(self._guarded_execute)

    def _guarded_execute(self, execute: Callable[..., Any], *args: Any) -> Any:
        with db_budget.guard(self):
            return execute(*args)

    def is_usable(self) -> bool:
        # The health check of a kept-alive connection (CONN_HEALTH_CHECKS): the first round trip of a request,
        # and the one that hangs when the network to the database black-holes.
        with db_budget.guard(self):
            return bool(super().is_usable())

    # The private round trips of commit() and rollback(): overriding the public methods would also count their
    # on-commit hooks (work outside the database) against the budget. django-stubs does not declare them.
    def _commit(self) -> None:
        with db_budget.guard(self):
            super()._commit()  # type: ignore[misc]

    def _rollback(self) -> None:
        with db_budget.guard(self):
            super()._rollback()  # type: ignore[misc]

    def close_if_unusable_or_obsolete(self) -> None:
        # Runs at the start and end of every request, outside its budget, and probes the connection after an
        # error: bounded like the readiness probe.
        with db_budget.database_time_budget(settings.DATABASE_PROBE_TIMEOUT_MS / 1000):
            super().close_if_unusable_or_obsolete()

    def init_connection_state(self) -> None:
        with db_budget.guard(self):  # time zone and role settings: round trips too
            super().init_connection_state()

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        with db_budget.guard(self):  # charged to the budget; bounded by the capped connect_timeout
            return self.connect_refreshing_credentials(conn_params)

    def connect_refreshing_credentials(self, conn_params: dict[str, Any]) -> Any:
        try:
            return super().get_new_connection(connect_timeout_within_budget(conn_params))
        except psycopg.OperationalError as exc:
            secret_arn = getattr(settings, "DATABASE_SECRET_ARN", "")
            if not secret_arn or not is_authentication_failure(exc):
                raise
            logger.warning("database authentication failed; re-reading the credentials from %s", secret_arn)
            self.refresh_credentials(secret_arn)
            return super().get_new_connection(connect_timeout_within_budget(self.get_connection_params()))

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
