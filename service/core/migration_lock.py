"""Migrations serialize themselves: ``migrate`` holds a session-level PostgreSQL advisory lock while it runs.

Two migration tasks can meet (a retried deploy, a pipeline and a hand-run task, a rollback's trigger); two
``migrate`` runs at once create the same tables, record the same migrations and fail half-way. The lock is taken on
the connection that migrates, so it lasts exactly as long as that session: a task that dies releases it with its
connection. A run that finds it taken says who holds it and waits, up to ``DATABASE_MIGRATION_LOCK_TIMEOUT``
seconds, then fails naming the holder, having changed nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError

# A fixed key for this service's migrations ("compmigr" in ASCII); pg_locks shows it split into classid/objid.
MIGRATION_LOCK_KEY = 0x636F6D706D696772
POLL_SECONDS = 0.5

_HOLDER_SQL = """
SELECT a.pid, a.usename, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local socket'),
       a.backend_start
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND ((l.classid::bigint << 32) | l.objid::bigint) = %s
"""


def describe_holder(cursor: Any) -> str:
    cursor.execute(_HOLDER_SQL, [MIGRATION_LOCK_KEY])
    row = cursor.fetchone()
    if row is None:
        return "its holder has just released it"
    pid, user, application, address, since = row
    named = f" ({application})" if application else ""
    return f"held by session {pid} of {user}{named} from {address}, connected at {since:%Y-%m-%d %H:%M:%S %Z}"


def try_lock(cursor: Any) -> bool:
    cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
    return bool(cursor.fetchone()[0])


@contextmanager
def migration_lock(connection: Any, *, timeout_seconds: float, report: Callable[[str], Any]) -> Iterator[None]:
    """Hold the migration lock on ``connection`` (a PostgreSQL DatabaseWrapper) for the block."""
    deadline = time.monotonic() + timeout_seconds
    with connection.cursor() as cursor:
        announced = False
        while not try_lock(cursor):
            holder = describe_holder(cursor)
            if time.monotonic() >= deadline:
                raise CommandError(
                    f"Another migrate still holds the migration lock (PostgreSQL advisory lock {MIGRATION_LOCK_KEY}, "
                    f"{holder}) after {timeout_seconds:.0f} s (DATABASE_MIGRATION_LOCK_TIMEOUT). Is an earlier "
                    "migration task still running? Nothing was migrated."
                )
            if not announced:
                report(f"Another migrate holds the migration lock ({holder}); waiting up to {timeout_seconds:.0f} s.")
                announced = True
            time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        # A broken connection has released the lock with its session already.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])


@contextmanager
def without_statement_timeout(connection: Any) -> Iterator[None]:
    """Migrations may rewrite large tables: the web requests' ``statement_timeout`` does not apply to them (the
    migration runner bounds the task). ``lock_timeout`` still does: a migration that cannot get its lock fails
    rather than queueing every request behind it."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
