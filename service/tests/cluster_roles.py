"""Login roles on the throwaway cluster for tests that connect the way the service does: over TCP, with a password
(the cluster trusts only its Unix socket)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from devtools.throwaway_postgres import ThrowawayPostgres


def superuser_connection(cluster: ThrowawayPostgres, dbname: str = "postgres") -> psycopg.Connection:
    """The cluster's superuser over its (trusted) socket, in autocommit."""
    return psycopg.connect(host=cluster.socket_dir, port=cluster.port, user="app", dbname=dbname, autocommit=True)


@contextmanager
def login_role(cluster: ThrowawayPostgres, prefix: str, password: str, member_of: str = "") -> Iterator[str]:
    """A new login role (a unique name starting with ``prefix``), optionally a member of ``member_of``; dropped
    afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    membership = f" IN ROLE {member_of}" if member_of else ""
    with superuser_connection(cluster) as admin:
        admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'{membership}")  # test-only identifiers
        try:
            yield name
        finally:
            admin.execute(f"DROP ROLE IF EXISTS {name}")
