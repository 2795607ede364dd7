"""Create the database cache table (shared throttle counters) as part of ``migrate``.

The migration task runs only ``manage.py migrate``, so ``createcachetable`` is run from here.

This migration used to be ``competition_platform.0001_cache_table``, before the project package stopped being an
app. Databases deployed before the move (staging, production) have that record and the table. ``replaces`` makes
Django treat this migration as applied there (it records it without running it, and ignores the old record);
on a new database it runs. ``createcachetable`` skips a table that exists, so even a run against an existing
table changes nothing.
"""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps: Any, schema_editor: Any) -> None:
    table = schema_editor.quote_name(settings.CACHE_TABLE)
    schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    replaces = [("competition_platform", "0001_cache_table")]
    dependencies = []
    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
