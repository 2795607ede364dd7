"""The ground truth's data migrations, run by Django's migration executor on PostgreSQL: competitions.0004 gives
each ground truth stored as JSON rows (the previous release) its Parquet file and version, keeping the rows for
that release; competitions.0005's trigger makes rows the previous release writes afterwards count as not yet
converted; both reverse without losing anything."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.storage import storages
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from competitions.ground_truth_files import ensure_file
from competitions.models import GroundTruth
from scoring.ground_truth_store import read_ground_truth
from scoring.legacy_rows import ground_truth_from_rows
from scoring.metrics import Metric

from .factories import LABELS_TRUTH
from .scoring_oracle import rows_of

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_FILES = [("competitions", "0003_ground_truth_file")]
FILES = [("competitions", "0004_ground_truth_files")]
TRIGGER = [("competitions", "0005_ground_truth_rows_clear_version")]
FLIPPED: dict[str, list[object]] = {
    row_id: ["dog" if label == "cat" else "cat", usage] for row_id, (label, usage) in LABELS_TRUTH.items()
}


def migrate(targets: list[tuple[str, str]]) -> Any:
    """The database migrated to ``targets``; the historical models of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def latest_schema_afterwards() -> Iterator[None]:
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def legacy_ground_truth(apps: Any, slug: str, rows: dict[str, list[object]]) -> int:
    """A competition and its ground truth as the previous release stored them: JSON rows, no file."""
    now = timezone.now()
    competition = apps.get_model("competitions", "Competition").objects.create(
        slug=slug,
        title=slug,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1),
        metric="accuracy",
    )
    public = sum(usage == "Public" for _label, usage in rows.values())
    apps.get_model("competitions", "GroundTruth").objects.create(
        competition=competition, rows=rows, public_rows=public, private_rows=len(rows) - public
    )
    return int(competition.pk)


def version_of(rows: dict[str, list[object]]) -> str:
    return ground_truth_from_rows(rows, Metric("accuracy")).summary.version


def previous_release_writes(competition_id: int, rows: dict[str, list[object]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE competitions_groundtruth SET rows = %s::jsonb WHERE competition_id = %s",
            [json.dumps(rows), competition_id],
        )


def test_the_data_migration_stores_each_json_ground_truth_as_a_parquet_file():
    competition_id = legacy_ground_truth(migrate(BEFORE_FILES), "legacy", LABELS_TRUTH)

    migrate(FILES)

    record = GroundTruth.objects.get(pk=competition_id)
    assert record.version == version_of(LABELS_TRUTH)
    assert record.file.name == f"{competition_id}/{record.version}.parquet"
    with storages["ground_truth"].open(record.file.name) as stored:
        assert rows_of(read_ground_truth(stored)) == LABELS_TRUTH
    assert (record.public_rows, record.private_rows) == (3, 3)
    assert record.rows == LABELS_TRUTH  # kept for the previous release, still serving


def test_a_ground_truth_that_already_has_its_file_is_left_alone():
    apps = migrate(BEFORE_FILES)
    competition_id = legacy_ground_truth(apps, "converted", LABELS_TRUTH)
    apps.get_model("competitions", "GroundTruth").objects.filter(pk=competition_id).update(
        version="v-of-another-release", file="elsewhere.parquet"
    )

    migrate(FILES)

    record = GroundTruth.objects.get(pk=competition_id)
    assert (record.version, record.file.name) == ("v-of-another-release", "elsewhere.parquet")


def test_rows_the_previous_release_writes_after_the_migration_are_converted_again():
    competition_id = legacy_ground_truth(migrate(BEFORE_FILES), "rolling", LABELS_TRUTH)
    migrate(TRIGGER)
    assert GroundTruth.objects.get(pk=competition_id).version == version_of(LABELS_TRUTH)

    previous_release_writes(competition_id, FLIPPED)  # a host replacing it through the previous release
    record = GroundTruth.objects.get(pk=competition_id)
    assert (record.version, record.file.name) == ("", "")

    ensure_file(record, "accuracy")  # what the next submission to it does
    assert GroundTruth.objects.get(pk=competition_id).version == version_of(FLIPPED)


def test_the_migrations_reverse_without_losing_the_rows():
    competition_id = legacy_ground_truth(migrate(BEFORE_FILES), "reversed", LABELS_TRUTH)
    migrate(TRIGGER)

    migrate(FILES)  # the trigger is dropped: rows written now keep the version
    previous_release_writes(competition_id, FLIPPED)
    assert GroundTruth.objects.get(pk=competition_id).version == version_of(LABELS_TRUTH)

    apps = migrate(BEFORE_FILES)  # the conversion reverses to nothing: the rows were never removed
    assert apps.get_model("competitions", "GroundTruth").objects.get(pk=competition_id).rows == FLIPPED
