"""Submissions the previous release left ``pending`` (it scored within the upload request, so a row stays pending
only when that request died) are ``failed``: the new statuses have no ``pending``.

Safe while the previous release still serves: a request of it that is scoring a pending row right now overwrites
this with ``scored`` or ``failed`` (its update is unconditional), as it would have without this migration.
"""

from django.db import migrations

INTERRUPTED = "scoring was interrupted before the upload flow changed; submit the file again"


def pending_to_failed(apps, schema_editor):
    Submission = apps.get_model("submissions", "Submission")
    Submission.objects.filter(status="pending").update(status="failed", error=INTERRUPTED)


class Migration(migrations.Migration):
    dependencies = [("submissions", "0004_upload_flow")]

    operations = [migrations.RunPython(pending_to_failed, migrations.RunPython.noop, elidable=True)]
