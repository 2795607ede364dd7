"""A validated ground truth round-trips through Parquet with its summary; a file that lies about itself is refused."""

from __future__ import annotations

import io

import numpy as np
import polars as pl
import pytest

from scoring.ground_truth import GroundTruth
from scoring.ground_truth_store import CorruptGroundTruthFile, read_ground_truth, write_ground_truth
from scoring.metrics import Metric

from .scoring_oracle import LABEL_TRUTH, NUMBER_TRUTH, rows_of, truth_of


def stored(truth: GroundTruth) -> bytes:
    sink = io.BytesIO()
    write_ground_truth(truth, sink)
    return sink.getvalue()


@pytest.mark.parametrize(("csv", "metric"), [(NUMBER_TRUTH, "rmse"), (LABEL_TRUTH, "macro_f1")])
def test_a_ground_truth_round_trips_with_its_summary(csv, metric):
    truth = truth_of(csv, metric)
    loaded = read_ground_truth(io.BytesIO(stored(truth)))
    assert rows_of(loaded) == rows_of(truth)
    assert loaded.summary == truth.summary
    assert loaded.summary.as_dict() == {
        "metric": metric,
        "public_rows": 3,
        "private_rows": 3,
        "version": truth.summary.version,
    }


def test_the_parquet_file_is_readable_by_any_parquet_reader_as_id_expected_usage():
    frame = pl.read_parquet(io.BytesIO(stored(truth_of(NUMBER_TRUTH, "rmse"))))
    assert frame.columns == ["id", "expected", "usage"]
    assert frame["usage"].cast(pl.String).to_list() == ["Public", "Private"] * 3


def test_the_version_is_a_hash_of_the_content():
    truth = truth_of(NUMBER_TRUTH, "rmse")
    assert len(truth.summary.version) == 64
    assert truth_of(NUMBER_TRUTH.replace(b"\n", b"\r\n"), "rmse").summary.version == truth.summary.version
    assert truth_of(NUMBER_TRUTH.replace(b"1.5", b"1.50"), "rmse").summary.version == truth.summary.version
    assert truth_of(NUMBER_TRUTH.replace(b"1.5", b"1.6"), "rmse").summary.version != truth.summary.version
    assert truth_of(NUMBER_TRUTH.replace(b"d,0,Private", b"d,0,Public"), "rmse").summary.version != (
        truth.summary.version
    )
    assert truth_of(NUMBER_TRUTH, "mae").summary.version != truth.summary.version


def test_ids_that_only_concatenate_alike_have_different_versions():
    def version(ids: list[str]) -> str:
        return GroundTruth(
            metric=Metric.ACCURACY,
            ids=pl.Series(ids),
            expected=pl.Series(["x", "y"]),
            is_public=np.array([True, False]),
        ).summary.version

    assert version(["ab", "c"]) != version(["a", "bc"])


def test_an_edited_file_is_refused():
    truth = truth_of(NUMBER_TRUTH, "rmse")
    frame = pl.read_parquet(io.BytesIO(stored(truth)))
    metadata = pl.read_parquet_metadata(io.BytesIO(stored(truth)))
    edited = io.BytesIO()
    frame.with_columns(pl.col("expected") * 2).write_parquet(edited, metadata=metadata)
    with pytest.raises(CorruptGroundTruthFile, match="does not match its summary"):
        read_ground_truth(io.BytesIO(edited.getvalue()))


def test_a_file_without_the_summary_is_refused():
    plain = io.BytesIO()
    pl.DataFrame({"id": ["a"], "expected": [1.0], "usage": ["Public"]}).write_parquet(plain)
    with pytest.raises(CorruptGroundTruthFile, match="unknown format None"):
        read_ground_truth(io.BytesIO(plain.getvalue()))


def test_bytes_that_are_not_parquet_are_refused():
    with pytest.raises(CorruptGroundTruthFile, match="not a readable Parquet file"):
        read_ground_truth(io.BytesIO(b"id,expected,usage\na,1,Public\n"))


def test_a_ground_truth_refuses_inconsistent_columns():
    ids = pl.Series(["a", "b"])
    with pytest.raises(ValueError, match="one entry per row"):
        GroundTruth(metric=Metric.RMSE, ids=ids, expected=pl.Series([1.0]), is_public=np.array([True, False]))
    with pytest.raises(ValueError, match="Float64 expected values"):
        GroundTruth(metric=Metric.RMSE, ids=ids, expected=pl.Series(["1", "2"]), is_public=np.array([True, False]))
    with pytest.raises(ValueError, match="finite"):
        GroundTruth(metric=Metric.RMSE, ids=ids, expected=pl.Series([1.0, np.inf]), is_public=np.array([True, False]))
    with pytest.raises(ValueError, match="must not be missing"):
        GroundTruth(
            metric=Metric.MAE, ids=pl.Series(["a", None]), expected=pl.Series([1.0, 2.0]), is_public=np.ones(2, bool)
        )
