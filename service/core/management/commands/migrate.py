"""``migrate``, serialized by a PostgreSQL advisory lock, then provisioning the web service's database role.

The command line is Django's own (``python manage.py migrate --noinput`` in the migration task). On PostgreSQL the
run holds the migration lock (``core.migration_lock``) from before it reads the migration history until after the
app role is provisioned (``core.app_role``, when ``DATABASE_APP_USER`` is set: the migration task only).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands import migrate
from django.db import connections

from core.app_role import ensure_app_role
from core.migration_lock import migration_lock, without_statement_timeout


class Command(migrate.Command):
    help = (
        f"{migrate.Command.help} On PostgreSQL, one run at a time (an advisory lock; DATABASE_MIGRATION_LOCK_TIMEOUT "
        "bounds the wait), then grants DATABASE_APP_USER its DML rights."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            super().handle(*args, **options)
            return
        with migration_lock(
            connection, timeout_seconds=settings.DATABASE_MIGRATION_LOCK_TIMEOUT, report=self.stdout.write
        ):
            with without_statement_timeout(connection):
                super().handle(*args, **options)
            if settings.DATABASE_APP_USER and not (options["plan"] or options["check_unapplied"]):
                for line in ensure_app_role(
                    connection, login=settings.DATABASE_APP_USER, password=settings.DATABASE_APP_PASSWORD
                ):
                    self.stdout.write(line)
