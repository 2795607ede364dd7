"""The arithmetic of the workers' scaling (stacks/scoring/backlog_scaling.py) on sample values: the metric math
expressions are read from the synthesized templates and evaluated by tests/metric_math.py, so these tests check the
formulas that are deployed. `visible` is the queue's waiting messages, `in_flight` those a worker holds (one each:
SCORING_RECEIVE_BATCH=1); None is a minute without data (a queue nobody used yet)."""

from __future__ import annotations

import math

import pytest

from stacks.config import PlatformConfig
from tests.conftest import SCORING_WORKERS, SynthesizedPlatform
from tests.metric_math import Value, evaluate

STAGES = ["Dev", "Staging", "Prod"]


def backlog_per_worker(synthesized: SynthesizedPlatform, stage: str) -> str:
    (policy,) = [
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        for logical_id, p in synthesized.resources(
            f"{stage}/Service", "AWS::ApplicationAutoScaling::ScalingPolicy"
        ).items()
        if logical_id.startswith(SCORING_WORKERS) and p["Properties"]["PolicyType"] == "TargetTrackingScaling"
    ]
    (returned,) = [q for q in policy["CustomizedMetricSpecification"]["Metrics"] if q["ReturnData"]]
    return str(returned["Expression"])


def waiting_without_worker(synthesized: SynthesizedPlatform, stage: str) -> str:
    (alarm,) = [
        a["Properties"]
        for a in synthesized.resources(f"{stage}/Service", "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("AlarmName", "").endswith("-scoring-waiting-without-worker")
    ]
    (expression,) = [q["Expression"] for q in alarm["Metrics"] if "Expression" in q]
    return str(expression)


def target_tracking_capacity(running: int, metric: float, target: float, bounds: tuple[int, int]) -> int:
    """The capacity target tracking moves towards: proportional to the metric's distance from the target (AWS's
    documented behaviour, rounded up when scaling out), within the scalable target's bounds."""
    low, high = bounds
    return max(low, min(high, math.ceil(running * metric / target)))


@pytest.mark.parametrize(
    ("visible", "in_flight", "expected"),
    [
        (0, 0, 0),  # nothing to do
        (None, None, 0),  # a queue without data yet
        (40, 2, 20),  # 40 waiting behind 2 busy workers
        (100, 4, 25),
        (7, 0, 7),  # nobody busy: divided by one, not by zero
        (0, 3, 0),  # every message in hand, none waiting
    ],
)
@pytest.mark.parametrize("stage", STAGES)
def test_the_tracked_metric_is_the_messages_waiting_per_busy_worker(
    synthesized: SynthesizedPlatform, stage: str, visible: Value, in_flight: Value, expected: float
) -> None:
    expression = backlog_per_worker(synthesized, stage)

    assert evaluate(expression, {"visible": visible, "in_flight": in_flight}) == expected


@pytest.mark.parametrize(("waiting", "expected_workers"), [(0, 0), (1, 1), (20, 1), (21, 2), (100, 5), (1000, 50)])
def test_a_backlog_asks_for_one_worker_per_backlog_per_worker_messages_waiting_within_the_bounds(
    synthesized: SynthesizedPlatform, config: PlatformConfig, waiting: int, expected_workers: int
) -> None:
    scoring = config.environment("prod").scoring
    assert scoring.backlog_per_worker == 20, "the samples assume production's backlogPerWorker"
    expression = backlog_per_worker(synthesized, "Prod")
    bounds = (scoring.min_workers, scoring.max_workers)

    # However many workers are busy when it is measured, the backlog asks for the same number of workers.
    for busy in (1, 2, 5, 10):
        metric = evaluate(expression, {"visible": waiting, "in_flight": busy})
        assert metric is not None
        assert target_tracking_capacity(busy, metric, scoring.backlog_per_worker, bounds) == max(
            scoring.min_workers, min(scoring.max_workers, expected_workers)
        )


@pytest.mark.parametrize(
    ("visible", "in_flight", "starts_a_worker"),
    [
        (0, 0, False),
        (None, None, False),
        (1, 0, True),  # one message waits and no worker holds one: target tracking alone would wait forever
        (1, None, True),
        (50, 0, True),
        (5, 1, False),  # a worker is busy: target tracking has a metric to act on
        (0, 3, False),
    ],
)
@pytest.mark.parametrize("stage", STAGES)
def test_a_worker_is_started_when_messages_wait_and_none_is_in_hand(
    synthesized: SynthesizedPlatform, stage: str, visible: Value, in_flight: Value, starts_a_worker: bool
) -> None:
    expression = waiting_without_worker(synthesized, stage)

    value = evaluate(expression, {"visible": visible, "in_flight": in_flight})

    assert (value is not None and value >= 1) is starts_a_worker  # the alarm: >= 1 for one minute


def test_the_evaluator_keeps_missing_data_missing_and_rejects_what_it_does_not_know() -> None:
    assert evaluate("visible + 1", {"visible": None}) is None
    assert evaluate("FILL(visible, 3) * 2", {"visible": None}) == 6
    assert evaluate("IF(a > 1 AND NOT b, 10, -1)", {"a": 2, "b": 0}) == 10
    with pytest.raises(ValueError, match="function MAX"):
        evaluate("MAX(visible, 1)", {"visible": 2})
    with pytest.raises(ValueError, match="no sample value"):
        evaluate("unknown * 2", {"visible": 1})
