"""What moved when the project package stopped being an app: the cache-table migration and the environment name."""

from __future__ import annotations

import importlib

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from .test_settings import PRODUCTION_ENV, printed, run_python


@pytest.mark.django_db
def test_a_database_migrated_before_the_move_takes_the_cache_table_migration_as_applied():
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied("core", "0001_cache_table")
    recorder.record_applied("competition_platform", "0001_cache_table")  # what staging and production hold

    assert ("core", "0001_cache_table") in MigrationLoader(connection).applied_migrations
    call_command("migrate", verbosity=0)

    assert recorder.migration_qs.filter(app="core", name="0001_cache_table").exists()
    assert settings.CACHE_TABLE in connection.introspection.table_names()


@pytest.mark.django_db
def test_the_cache_table_migration_changes_nothing_where_the_table_exists():
    migration = importlib.import_module("core.migrations.0001_cache_table")
    cache.set("throttle_probe", [1, 2, 3], timeout=60)  # a counter the running service holds in the table

    with connection.schema_editor() as editor:
        migration.create_cache_table(None, editor)

    assert cache.get("throttle_probe") == [1, 2, 3]  # the table and its rows are the ones that were there


def test_the_environment_name_comes_from_platform_environment():
    code = "import django; from django.conf import settings; django.setup(); print(settings.PLATFORM_ENVIRONMENT)"
    assert printed(run_python(code, {**PRODUCTION_ENV, "PLATFORM_ENVIRONMENT": "staging"})) == "staging"
    assert printed(run_python(code, PRODUCTION_ENV)) == "local"


@pytest.mark.django_db
def test_the_admin_header_names_the_environment(admin_client, settings):
    settings.DEBUG = True  # the admin's static files without collectstatic
    page = admin_client.get("/admin/").content.decode()

    assert "Competition platform administration (local)" in page
