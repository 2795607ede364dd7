"""The `scoring` section of each environment: the workers, their queue and the upload limits. Every bad value stops
synthesis with one line naming the key, the value and what is allowed; every limit that matters is a number here."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.config import load_platform_config
from stacks.config.scoring import memory_needed_mib
from tests.test_config import BASE_CONTEXT, DELETE, context_with, rejection


def test_repository_scoring_runs_workers_from_zero_in_dev_and_keeps_an_on_demand_floor_in_prod() -> None:
    config = load_platform_config(BASE_CONTEXT.get)

    dev, staging, prod = (config.environment(name).scoring for name in ("dev", "staging", "prod"))
    assert (dev.min_workers, dev.spot, dev.on_demand_workers) == (0, True, 0)
    assert staging.min_workers >= 1, "staging's deployments start a worker: a broken worker image stops there"
    assert prod.min_workers >= 1 and prod.on_demand_workers == prod.min_workers
    for scoring in (dev, staging, prod):
        assert scoring.memory_mib >= memory_needed_mib(scoring.max_upload_mib)
        assert scoring.queue_age_alarm_minutes * 60 > scoring.max_scoring_seconds


def test_the_service_limits_are_the_configured_numbers() -> None:
    scoring = load_platform_config(context_with("prod.scoring.maxUploadMiB", 300).get).environment("prod").scoring

    assert scoring.max_upload_bytes == 300 * 1024 * 1024
    assert scoring.upload_ticket_seconds == scoring.upload_ticket_minutes * 60


def test_spot_outside_production_has_no_on_demand_floor() -> None:
    scoring = load_platform_config(context_with("staging.scoring.minWorkers", 3).get).environment("staging").scoring

    assert (scoring.spot, scoring.on_demand_workers) == (True, 0)


def test_production_on_demand_workers_keep_no_floor_they_do_not_need() -> None:
    scoring = load_platform_config(context_with("prod.scoring.spot", False).get).environment("prod").scoring

    assert scoring.on_demand_workers == 0, "without Spot every worker is on-demand: no base to reserve"


# (setting below platform.environments, its bad value, the one line that refuses it without the
# "platform.environments." prefix): one test each.
SCORING_REJECTIONS: list[tuple[str, Any, str]] = [
    ("dev.scoring", DELETE, "dev.scoring is missing"),
    ("dev.scoring.minWorkers", -1, "dev.scoring.minWorkers = -1: expected a whole number from 0 to 1000"),
    (
        "prod.scoring.minWorkers",
        0,
        "prod.scoring.minWorkers = 0: production keeps a worker running (starting from none waits for the queue's "
        "metrics and a task start, and a deployment with no task tests nothing)",
    ),
    ("dev.scoring.maxWorkers", 0, "dev.scoring.maxWorkers = 0: expected a whole number from 1 to 1000"),
    (
        "prod.scoring.maxWorkers",
        1,
        "prod.scoring.minWorkers = 2: must not exceed platform.environments.prod.scoring.maxWorkers = 1",
    ),
    (
        "dev.scoring.cpu",
        300,
        "dev.scoring.cpu = 300: expected one of the Fargate cpu sizes 256, 512, 1024, 2048, 4096, 8192, 16384",
    ),
    (
        "dev.scoring.memoryMiB",
        8192,
        "dev.scoring.memoryMiB = 8192: Fargate does not accept it with cpu 512; allowed: 1024 to 4096 in steps of 1024",
    ),
    ("dev.scoring.spot", "yes", 'dev.scoring.spot = "yes": expected true or false'),
    ("dev.scoring.backlogPerWorker", 0, "dev.scoring.backlogPerWorker = 0: expected a whole number from 1 to 10000"),
    ("dev.scoring.maxUploadMiB", 5121, "dev.scoring.maxUploadMiB = 5121: expected a whole number from 1 to 5120"),
    (
        "prod.scoring.maxUploadMiB",
        1000,
        "prod.scoring.memoryMiB = 4096: a worker scoring a 1000 MiB file (maxUploadMiB) needs 7512 MiB (7 x the file "
        "+ 512); raise it or lower maxUploadMiB",
    ),
    (
        "dev.scoring.maxGroundTruthMiB",
        0,
        "dev.scoring.maxGroundTruthMiB = 0: expected a whole number from 1 to 5120",
    ),
    (
        "prod.scoring.maxGroundTruthMiB",
        500,
        "prod.scoring.maxGroundTruthMiB = 500: the web task parses ground truths and needs 4012 MiB for it (7 x the "
        "file + 512), but platform.environments.prod.service.memoryMiB = 2048",
    ),
    (
        "dev.scoring.uploadTicketMinutes",
        61,
        "dev.scoring.uploadTicketMinutes = 61: expected a whole number from 1 to 60",
    ),
    (
        "dev.scoring.maxScoringSeconds",
        30,
        "dev.scoring.maxScoringSeconds = 30: expected a whole number from 60 to 3600",
    ),
    ("dev.scoring.maxReceives", 0, "dev.scoring.maxReceives = 0: expected a whole number from 1 to 10"),
    (
        "dev.scoring.queueAgeAlarmMinutes",
        0,
        "dev.scoring.queueAgeAlarmMinutes = 0: expected a whole number from 1 to 1440",
    ),
    (
        "prod.scoring.queueAgeAlarmMinutes",
        5,
        "prod.scoring.queueAgeAlarmMinutes = 5: SQS counts a message's age while a worker scores it, so an alarm at "
        "or below maxScoringSeconds = 300 would page on a healthy long scoring",
    ),
    (
        "dev.scoring.minCount",
        1,
        "dev.scoring.minCount is not a known setting; allowed here: backlogPerWorker, cpu, maxGroundTruthMiB, "
        "maxReceives, maxScoringSeconds, maxUploadMiB, maxWorkers, memoryMiB, minWorkers, queueAgeAlarmMinutes, spot, "
        "uploadTicketMinutes",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "expected"), SCORING_REJECTIONS, ids=[f"{p}={v!r}"[:60] for p, v, _ in SCORING_REJECTIONS]
)
def test_rejected_scoring_value_names_its_key_and_what_is_allowed(path: str, value: Any, expected: str) -> None:
    assert rejection(path, value) == f"platform.environments.{expected}"
