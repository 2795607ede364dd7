"""Scoring end to end: both parts from one pass, in any row order, and an engine that never imports Django."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from scoring import id_alignment, row_rules
from scoring.ground_truth import GroundTruth
from scoring.metrics import Metric
from scoring.problems import CsvProblem
from scoring.scorer import Scores, score_predictions
from scoring.upload_reading import SizeLimits

LIMITS = SizeLimits(max_bytes=1 << 24, max_decompressed_bytes=1 << 24)
SERVICE = Path(__file__).resolve().parent.parent


def number_truth(rows: int, seed: int = 0) -> GroundTruth:
    rng = np.random.default_rng(seed)
    return GroundTruth(
        metric=Metric.MAE,
        ids=pl.Series([f"id{index}" for index in range(rows)]),
        expected=pl.Series(rng.normal(size=rows)),
        is_public=rng.random(rows) < 0.4,
    )


def predictions_csv(ids: list[str], values: list[float]) -> bytes:
    return (
        "id,prediction\n" + "".join(f"{row_id},{value!r}\n" for row_id, value in zip(ids, values, strict=True))
    ).encode()


def test_both_parts_are_scored_from_one_file_in_any_order():
    truth = number_truth(2000)
    ids, expected = truth.ids.to_list(), truth.expected.to_list()
    predicted = [value + 0.5 * (index % 3) for index, value in enumerate(expected)]
    errors = np.abs(np.array(predicted) - np.array(expected))
    wanted = Scores(float(errors[truth.is_public].mean()), float(errors[~truth.is_public].mean()))
    in_order = score_predictions(io.BytesIO(predictions_csv(ids, predicted)), truth, LIMITS)
    order = np.random.default_rng(1).permutation(len(ids))
    shuffled = predictions_csv([ids[i] for i in order], [predicted[i] for i in order])
    assert (in_order.public, in_order.private) == pytest.approx((wanted.public, wanted.private), rel=1e-12)
    assert score_predictions(io.BytesIO(shuffled), truth, LIMITS) == in_order


@pytest.mark.parametrize(
    ("hashes", "repair_limit"),
    [
        (lambda ids: ids.str.len_bytes().cast(pl.UInt64).to_numpy(), 10_000),  # every id in a few groups
        (lambda ids: ids.str.len_bytes().cast(pl.UInt64).to_numpy(), 5),  # too many to pair again: the join
        (lambda ids: (ids.str.len_bytes().cast(pl.UInt64).to_numpy() << np.uint64(40)) | np.uint64(7), 10_000),
    ],
    ids=["colliding-prefixes", "beyond-the-repair-limit", "colliding-high-bits"],
)
def test_hash_collisions_never_misalign_rows(monkeypatch, hashes, repair_limit):
    monkeypatch.setattr(row_rules, "id_hashes", hashes)
    monkeypatch.setattr(id_alignment, "REPAIR_LIMIT", repair_limit)
    truth = number_truth(300)
    ids, expected = truth.ids.to_list(), truth.expected.to_list()
    reference = score_predictions(io.BytesIO(predictions_csv(ids, expected[::-1])), truth, LIMITS)
    shuffled = np.random.default_rng(2).permutation(len(ids))
    data = predictions_csv([ids[i] for i in shuffled], [expected[::-1][i] for i in shuffled])
    assert score_predictions(io.BytesIO(data), truth, LIMITS) == reference
    duplicate = predictions_csv(ids[:2] + ids[:1], [0.0] * 3)
    with pytest.raises(CsvProblem, match="line 4: id 'id0' appears more than once \\(first on line 2\\)"):
        score_predictions(io.BytesIO(duplicate), truth, LIMITS)
    swapped = predictions_csv(["id1000" if row_id == "id100" else row_id for row_id in ids], expected)
    with pytest.raises(CsvProblem, match="line 102: unknown id 'id1000'"):
        score_predictions(io.BytesIO(swapped), truth, LIMITS)


def test_a_repeated_id_never_takes_the_row_of_a_missing_one(monkeypatch):
    monkeypatch.setattr(row_rules, "id_hashes", lambda ids: ids.str.len_bytes().cast(pl.UInt64).to_numpy())
    truth = number_truth(20)
    ids = truth.ids.to_list()
    data = predictions_csv([*ids[:-1], ids[0]], [0.0] * len(ids))  # id19 missing, id0 twice: same length
    with pytest.raises(CsvProblem, match="line 21: id 'id0' appears more than once \\(first on line 2\\)"):
        score_predictions(io.BytesIO(data), truth, LIMITS)


def test_labels_only_in_the_predictions_count_for_macro_f1():
    truth = GroundTruth(
        metric=Metric.MACRO_F1,
        ids=pl.Series(["a", "b", "c", "d"]),
        expected=pl.Series(["x", "x", "y", "y"]),
        is_public=np.array([True, True, False, False]),
    )
    scores = score_predictions(io.BytesIO(b"id,prediction\na,x\nb,new\nc,y\nd,y\n"), truth, LIMITS)
    assert scores.public == pytest.approx((2 / 3 + 0) / 2)
    assert scores.private == 1.0


def test_the_engine_imports_neither_django_nor_an_app_of_the_service():
    code = (
        "import sys, scoring.scorer, scoring.cache, scoring.ground_truth_store;"
        "apps = {'django', 'competitions', 'submissions', 'teams', 'leaderboards', 'access', 'competition_platform'};"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in apps))"
    )
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, cwd=SERVICE, capture_output=True, text=True, check=True)  # noqa: S603
    assert result.stdout.strip() == "[]"


def test_rows_paired_wrongly_by_colliding_prefixes_are_paired_again_without_the_join(monkeypatch):
    from scoring import predictions

    monkeypatch.setattr(row_rules, "id_hashes", lambda ids: ids.str.len_bytes().cast(pl.UInt64).to_numpy())

    def no_join(*args):
        raise AssertionError("the exact join ran")

    monkeypatch.setattr(predictions, "truth_rows_of", no_join)
    truth = number_truth(50)
    ids, expected = truth.ids.to_list(), truth.expected.to_list()
    order = np.random.default_rng(3).permutation(len(ids))
    data = predictions_csv([ids[i] for i in order], [expected[i] for i in order])
    assert score_predictions(io.BytesIO(data), truth, LIMITS) == Scores(0.0, 0.0)
