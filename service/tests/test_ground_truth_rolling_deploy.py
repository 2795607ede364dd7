"""During a rolling deployment the previous release may still write a ground truth's JSON ``rows`` (a host
replacing it there) after the new release converted it to a Parquet file: the trigger of migration
competitions.0005 clears the file's version, so the new release converts the new rows instead of scoring against
the file of the old ones. The previous release's write is simulated with raw SQL (its model knows no version)."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from competitions.ground_truth_files import ensure_file, load_for_scoring
from competitions.models import GroundTruth
from scoring.legacy_rows import ground_truth_from_rows
from scoring.metrics import Metric

from .factories import LABELS_TRUTH, all_correct, make_competition, make_team, make_user, submit
from .scoring_oracle import rows_of

pytestmark = pytest.mark.django_db

# What a host wrote through the previous release: every label flipped.
FLIPPED: dict[str, list[object]] = {
    row_id: ["dog" if label == "cat" else "cat", usage] for row_id, (label, usage) in LABELS_TRUTH.items()
}


def previous_release_writes(competition_id: int, rows: dict[str, list[object]], *, version: str | None = None) -> None:
    """The UPDATE the previous release's ``save()`` makes: rows and counts, never the version (unless asked)."""
    extra, params = ("", []) if version is None else (", version = %s", [version])
    public = sum(usage == "Public" for _label, usage in rows.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE competitions_groundtruth SET rows = %s::jsonb, public_rows = %s, private_rows = %s{extra} "  # noqa: S608 - a fixed fragment
            "WHERE competition_id = %s",
            [json.dumps(rows), public, len(rows) - public, *params, competition_id],
        )


def version_of(rows: dict[str, list[object]]) -> str:
    return ground_truth_from_rows(rows, Metric("accuracy")).summary.version


@pytest.fixture
def competition():
    return make_competition("rolling")


def test_rows_written_without_the_version_clear_the_version_and_file(competition):
    previous_release_writes(competition.pk, FLIPPED)

    record = GroundTruth.objects.get(pk=competition.pk)
    assert (record.version, record.file.name, record.rows) == ("", "", FLIPPED)


def test_a_write_that_sets_the_version_keeps_it(competition):
    previous_release_writes(competition.pk, FLIPPED, version=version_of(FLIPPED))

    assert GroundTruth.objects.get(pk=competition.pk).version == version_of(FLIPPED)


def test_rows_written_again_unchanged_keep_the_version(competition):
    previous_release_writes(competition.pk, FLIPPED, version=version_of(FLIPPED))
    previous_release_writes(competition.pk, FLIPPED)  # e.g. the previous release saving the record again

    assert GroundTruth.objects.get(pk=competition.pk).version == version_of(FLIPPED)


def test_the_next_submission_converts_the_new_rows_and_is_scored_against_them(competition):
    member = make_user("member")
    team = make_team(competition, "team", member)
    previous_release_writes(competition.pk, FLIPPED)

    submission = submit(competition, team, member, all_correct(FLIPPED))

    record = GroundTruth.objects.get(pk=competition.pk)
    assert record.version == version_of(FLIPPED)
    assert record.file.name == f"{competition.pk}/{version_of(FLIPPED)}.parquet"
    assert (submission.status, submission.public_score) == ("scored", 1.0)


def test_a_worker_scores_rows_not_yet_converted_from_the_rows(competition):
    """Workers may not write the bucket: they convert in memory until a web task stores the file."""
    previous_release_writes(competition.pk, FLIPPED)

    truth = load_for_scoring(GroundTruth.objects.defer("rows").get(pk=competition.pk), metric="accuracy")

    assert rows_of(truth) == FLIPPED


def test_a_conversion_does_not_store_a_version_for_rows_rewritten_meanwhile(competition):
    previous_release_writes(competition.pk, FLIPPED)
    record = GroundTruth.objects.get(pk=competition.pk)
    previous_release_writes(competition.pk, LABELS_TRUTH)  # written while the web task converted FLIPPED

    ensure_file(record, "accuracy")

    stored = GroundTruth.objects.get(pk=competition.pk)
    assert (stored.version, stored.rows) == ("", LABELS_TRUTH)
