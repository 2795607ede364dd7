"""The engine's numpy metrics: scikit-learn as the oracle, and today's pure-Python functions as the reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, root_mean_squared_error

from scoring.metrics import Metric, accuracy, macro_f1, mae, rmse

from .row_by_row import metrics as row_by_row

HYPOTHESIS = settings(max_examples=60, deadline=None, derandomize=True, database=None)


def codes_of(expected: list[str], predicted: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Label strings as integer codes over the union of both lists."""
    union, inverse = np.unique(np.array(expected + predicted, dtype=object).astype(str), return_inverse=True)
    return inverse[: len(expected)], inverse[len(expected) :]


def sklearn_macro_f1(expected: list[str], predicted: list[str]) -> float:
    labels = sorted(set(expected) | set(predicted))
    return float(f1_score(expected, predicted, labels=labels, average="macro", zero_division=0.0))


label_lists = st.integers(min_value=1, max_value=60).flatmap(
    lambda size: st.tuples(
        st.lists(st.sampled_from("abcdefg"), min_size=size, max_size=size),
        st.lists(st.sampled_from("abcdefgxyz"), min_size=size, max_size=size),
    )
)
number_lists = st.integers(min_value=1, max_value=60).flatmap(
    lambda size: st.tuples(
        st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=size, max_size=size),
        st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=size, max_size=size),
    )
)


@HYPOTHESIS
@given(label_lists)
def test_label_metrics_equal_scikit_learn_and_the_row_by_row_functions(lists):
    expected, predicted = lists
    codes = codes_of(expected, predicted)
    assert accuracy(*codes) == pytest.approx(accuracy_score(expected, predicted), rel=1e-12)
    assert accuracy(*codes) == row_by_row.accuracy(expected, predicted)
    assert macro_f1(*codes) == pytest.approx(sklearn_macro_f1(expected, predicted), rel=1e-12)
    assert macro_f1(*codes) == pytest.approx(row_by_row.macro_f1(expected, predicted), rel=1e-12)


@HYPOTHESIS
@given(number_lists)
def test_number_metrics_equal_scikit_learn_and_the_row_by_row_functions(lists):
    expected, predicted = (np.array(values, dtype=np.float64) for values in lists)
    assert rmse(expected, predicted) == pytest.approx(
        root_mean_squared_error(expected, predicted), rel=1e-12, abs=1e-300
    )
    assert rmse(expected, predicted) == pytest.approx(row_by_row.rmse(*lists), rel=1e-12, abs=1e-300)
    assert mae(expected, predicted) == pytest.approx(mean_absolute_error(expected, predicted), rel=1e-12, abs=1e-300)
    assert mae(expected, predicted) == pytest.approx(row_by_row.mae(*lists), rel=1e-12, abs=1e-300)


def test_large_random_data_agrees_with_scikit_learn():
    rng = np.random.default_rng(7)
    expected, predicted = rng.integers(0, 25, 200_000), rng.integers(0, 30, 200_000)
    labels = sorted(set(expected.tolist()) | set(predicted.tolist()))
    assert macro_f1(expected, predicted) == pytest.approx(
        f1_score(expected, predicted, labels=labels, average="macro", zero_division=0.0), rel=1e-12
    )
    assert accuracy(expected, predicted) == accuracy_score(expected, predicted)
    truth, guess = rng.normal(size=200_000), rng.normal(size=200_000)
    assert rmse(truth, guess) == pytest.approx(root_mean_squared_error(truth, guess), rel=1e-12)
    assert mae(truth, guess) == pytest.approx(mean_absolute_error(truth, guess), rel=1e-12)


def test_macro_f1_counts_labels_seen_only_in_the_predictions():
    expected, predicted = codes_of(["a", "a"], ["a", "z"])
    assert macro_f1(expected, predicted) == pytest.approx((2 / 3 + 0) / 2)


def test_one_class_everywhere_is_perfect():
    ones = np.zeros(5, dtype=np.int64)
    assert accuracy(ones, ones) == 1.0
    assert macro_f1(ones, ones) == 1.0


def test_tied_labels_score_each_label_once():
    # Two labels equally frequent, each predicted right half the time: F1 = 0.5 for both.
    expected, predicted = codes_of(["a", "a", "b", "b"], ["a", "b", "b", "a"])
    assert macro_f1(expected, predicted) == pytest.approx(0.5)
    assert accuracy(expected, predicted) == 0.5


def test_all_equal_numbers_have_no_error():
    values = np.full(10, 3.25)
    assert rmse(values, values) == 0.0
    assert mae(values, values) == 0.0


def test_codes_need_not_be_dense():
    assert macro_f1(np.array([7, 7, 1000]), np.array([7, 1000, 1000])) == pytest.approx(
        row_by_row.macro_f1(["a", "a", "b"], ["a", "b", "b"])
    )


def test_a_row_mask_scores_only_those_rows():
    expected = np.array([1.0, 2.0, 3.0, 100.0])
    predicted = np.array([1.0, 2.0, 4.0, 0.0])
    public = np.array([True, True, True, False])
    assert rmse(expected, predicted, public) == pytest.approx(math.sqrt(1 / 3))
    assert mae(expected, predicted, ~public) == 100.0
    labels = np.array([0, 1, 1, 2])
    assert accuracy(labels, np.array([0, 1, 0, 0]), public) == pytest.approx(2 / 3)
    assert macro_f1(labels, np.array([0, 1, 1, 0]), public) == 1.0


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("function", [rmse, mae])
def test_nan_and_infinity_are_refused(function, bad):
    with pytest.raises(ValueError, match="must be finite numbers"):
        function(np.array([1.0, bad]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="must be finite numbers"):
        function(np.array([1.0, 2.0]), np.array([bad, 2.0]))


def test_an_overflowing_error_is_refused_as_not_finite():
    with pytest.raises(ValueError, match="rmse is not finite"):
        rmse(np.array([1e300, -1e300]), np.array([-1e300, 1e300]))


@pytest.mark.parametrize("function", [accuracy, macro_f1, rmse, mae])
def test_nothing_to_score_is_refused(function):
    empty = np.array([], dtype=np.int64 if function in (accuracy, macro_f1) else np.float64)
    with pytest.raises(ValueError, match="empty set of rows"):
        function(empty, empty)
    with pytest.raises(ValueError, match="empty set of rows"):
        function(np.array([1, 1]), np.array([1, 1]), np.array([False, False]))


def test_misaligned_arrays_and_bad_codes_are_refused():
    with pytest.raises(ValueError, match="aligned 1-d arrays"):
        rmse(np.array([1.0, 2.0]), np.array([1.0]))
    with pytest.raises(ValueError, match="non-negative integer codes"):
        accuracy(np.array([0, -1]), np.array([0, 1]))
    with pytest.raises(ValueError, match="non-negative integer codes"):
        macro_f1(np.array([0.5, 1.0]), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="boolean mask"):
        mae(np.array([1.0, 2.0]), np.array([1.0, 2.0]), np.array([1, 0]))


@pytest.mark.parametrize(
    ("metric", "numeric", "higher"),
    [("accuracy", False, True), ("macro_f1", False, True), ("rmse", True, False), ("mae", True, False)],
)
def test_the_metric_names_and_directions_are_todays(metric, numeric, higher):
    assert Metric(metric).numeric is numeric
    assert Metric(metric).higher_is_better is higher is row_by_row.METRICS[metric].higher_is_better
    assert {m.value for m in Metric} == set(row_by_row.METRICS)
