"""The web service's own least-privilege database role, provisioned by the migration task after it migrates.

Web and worker tasks connect with the *app* secret (alternating-users rotation: base user ``app``, clone
``app_clone``, which the rotation Lambda creates and grants ``app``), the migration task with the owner's.
``ensure_app_role`` runs as the owner, with ``DATABASE_APP_USER``/``DATABASE_APP_PASSWORD`` from the app secret:

* the base role (the login with a ``_clone`` suffix stripped) is created as a login role if it is missing: with the
  secret's password when the secret names the base role, without one when it names the clone (the rotation sets it
  when it alternates back). The password is hashed (SCRAM) by the client: the plain text never reaches the server.
  An existing role's password is never changed: the rotation owns it.
* the base role gets CONNECT on the database, USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on every table and
  USAGE/SELECT on every sequence, and the same on those the owner creates later (default privileges). It owns
  nothing and may create nothing, so it can neither change nor drop the schema. The clone inherits all of it.

Every statement is idempotent: a second run changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction
from psycopg import sql

CLONE_SUFFIX = "_clone"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def base_role_of(login: str) -> str:
    return login.removesuffix(CLONE_SUFFIX) or login


def _create_missing_role(cursor: Any, pgconn: Any, *, login: str, base: str, password: str) -> str:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [base])
    if cursor.fetchone() is not None:
        return f"The login role {base} exists: its password is left to the rotation."
    if login != base:
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(base)).as_string(pgconn))
        return f"Created the login role {base} without a password (the secret names its clone {login})."
    if not password:
        raise CommandError(f"DATABASE_APP_PASSWORD is required to create the login role {base} (DATABASE_APP_USER)")
    verifier = pgconn.pgconn.encrypt_password(password.encode(), base.encode(), b"scram-sha-256").decode()
    create = sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(base), sql.Literal(verifier))
    cursor.execute(create.as_string(pgconn))
    return f"Created the login role {base} (DATABASE_APP_USER)."


def _grant_dml(cursor: Any, pgconn: Any, *, role: str) -> str:
    cursor.execute("SELECT current_database(), current_schema(), current_user")
    database, schema, owner = cursor.fetchone()
    names = {
        "role": sql.Identifier(role),
        "database": sql.Identifier(database),
        "schema": sql.Identifier(schema),
        "owner": sql.Identifier(owner),
    }
    statements = [
        "GRANT CONNECT ON DATABASE {database} TO {role}",
        "GRANT USAGE ON SCHEMA {schema} TO {role}",
        # No DDL: PostgreSQL 15+ no longer lets PUBLIC create in the public schema; older clusters did.
        "REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    for statement in statements:
        cursor.execute(sql.SQL(statement).format(**names).as_string(pgconn))
    cursor.execute(
        "SELECT count(*) FILTER (WHERE c.relkind IN ('r', 'p')), count(*) FILTER (WHERE c.relkind = 'S') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
        [schema],
    )
    tables, sequences = cursor.fetchone()
    return (
        f"Granted {role} SELECT/INSERT/UPDATE/DELETE on {tables} tables and USAGE/SELECT on {sequences} sequences of "
        f"schema {schema} in database {database}, and on those {owner} creates later; no DDL."
    )


def ensure_app_role(connection: Any, *, login: str, password: str) -> list[str]:
    """Run as the owner on ``connection`` (a PostgreSQL DatabaseWrapper); returns what it did, for the output."""
    if not ROLE_NAME.match(login):
        raise CommandError(f"DATABASE_APP_USER must be a lower-case PostgreSQL role name, got {login!r}")
    base = base_role_of(login)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        pgconn = connection.connection
        created = _create_missing_role(cursor, pgconn, login=login, base=base, password=password)
        granted = _grant_dml(cursor, pgconn, role=base)
    return [created, granted]
