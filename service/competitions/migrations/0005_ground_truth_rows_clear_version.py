"""A ground truth whose JSON ``rows`` the previous release writes after 0004 converted it loses its Parquet
``version`` and ``file``: the service then sees it as not yet converted and converts it again (the web task stores
the file, ``ground_truth_files.ensure_file``; a worker converts the rows in memory, ``load_for_scoring``).

During a rolling deployment the previous release's web tasks still serve, and a host replacing the ground truth
there writes ``rows`` alone (that release knows no ``version``): without this the new release would keep scoring
against the file of the rows before. A write that sets ``version`` too (the new release, 0004) keeps it. An insert
by the previous release gets the column's default, "" (not converted), so only updates need the trigger. The
release that drops ``rows`` drops the trigger with it.

PostgreSQL only (the deployed database and the tests); local development on SQLite runs one release at a time.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION competitions_groundtruth_rows_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.rows IS NOT NULL AND NEW.rows IS DISTINCT FROM OLD.rows
            AND NEW.version IS NOT DISTINCT FROM OLD.version THEN
        NEW.version := '';
        NEW.file := '';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER competitions_groundtruth_rows_written
    BEFORE UPDATE OF rows ON competitions_groundtruth
    FOR EACH ROW EXECUTE FUNCTION competitions_groundtruth_rows_written();
"""

REVERSE = """
DROP TRIGGER IF EXISTS competitions_groundtruth_rows_written ON competitions_groundtruth;
DROP FUNCTION IF EXISTS competitions_groundtruth_rows_written();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("competitions", "0004_ground_truth_files")]

    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(REVERSE))]
