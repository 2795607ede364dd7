"""The metrics and their direction."""

import math

import pytest

from .row_by_row.metrics import METRICS, accuracy, macro_f1, mae, rmse


def test_accuracy():
    assert accuracy(["a", "b", "a", "b"], ["a", "b", "b", "b"]) == 0.75


def test_macro_f1_averages_the_per_label_f1():
    # label a: tp 1, fp 0, fn 1 -> f1 2/3; label b: tp 2, fp 1, fn 0 -> f1 0.8
    assert macro_f1(["a", "a", "b", "b"], ["a", "b", "b", "b"]) == pytest.approx((2 / 3 + 0.8) / 2)


def test_macro_f1_counts_labels_that_were_only_predicted():
    assert macro_f1(["a", "a"], ["a", "z"]) == pytest.approx((2 / 3 + 0) / 2)


def test_rmse_and_mae():
    assert rmse([0.0, 0.0], [3.0, 4.0]) == pytest.approx(math.sqrt(12.5))
    assert mae([0.0, 0.0], [3.0, -4.0]) == 3.5


@pytest.mark.parametrize(("name", "higher"), [("accuracy", True), ("macro_f1", True), ("rmse", False), ("mae", False)])
def test_the_metric_decides_the_direction(name, higher):
    spec = METRICS[name]
    assert spec.higher_is_better is higher
    assert (spec.sort_key(0.9) > spec.sort_key(0.1)) is higher
