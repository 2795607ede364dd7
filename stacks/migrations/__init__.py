"""Database migrations run once per deployment, before the new version of the service takes traffic."""

from stacks.migrations.construct import DatabaseMigrations, DatabaseMigrationsProps

__all__ = ["DatabaseMigrations", "DatabaseMigrationsProps"]
