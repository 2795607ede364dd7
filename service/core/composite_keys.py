"""Composite foreign keys ``(team_id, competition_id) -> team (id, competition_id)`` for migrations.

Django cannot express them, yet they let the database guarantee that a row's denormalized competition is its
team's. They are added on PostgreSQL only (SQLite cannot add constraints to an existing table; it is the
local-development database).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def team_competition_fk(table: str, name: str) -> migrations.RunPython:
    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY (team_id, competition_id) "
                "REFERENCES teams_team (id, competition_id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED"
            )

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")

    return migrations.RunPython(forwards, backwards, elidable=False)
