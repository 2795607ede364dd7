"""Each ground truth stored as JSON rows (the previous release) gets its Parquet file and version.

Expand/contract: ``rows`` stays as it is (the previous release, still serving during the deployment, reads it), and
a later release drops it. A ground truth the previous release writes after this ran has no file yet: the service
converts it the same way when it is first needed (``competitions.ground_truth_files.ensure_file``). Writes to the
``ground_truth`` storage (the migration task needs ``s3:PutObject`` on ``ground-truth/*``).
"""

import io

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import migrations

from scoring.ground_truth_store import write_ground_truth
from scoring.legacy_rows import ground_truth_from_rows
from scoring.metrics import Metric


def rows_to_files(apps, schema_editor):
    GroundTruth = apps.get_model("competitions", "GroundTruth")
    storage = storages["ground_truth"]
    legacy = GroundTruth.objects.filter(version="").exclude(rows=None).select_related("competition")
    for record in legacy.iterator(chunk_size=1):
        truth = ground_truth_from_rows(record.rows, Metric(record.competition.metric))
        version = truth.summary.version
        name = f"{record.competition_id}/{version}.parquet"
        if not storage.exists(name):
            sink = io.BytesIO()
            write_ground_truth(truth, sink)
            storage.save(name, ContentFile(sink.getvalue()))
        GroundTruth.objects.filter(pk=record.pk, version="").update(version=version, file=name)


class Migration(migrations.Migration):
    dependencies = [("competitions", "0003_ground_truth_file")]

    operations = [migrations.RunPython(rows_to_files, migrations.RunPython.noop, elidable=True)]
