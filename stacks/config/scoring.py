"""The `scoring` section of one environment: the scoring workers, their queue, and the upload limits the service
enforces. "A big competition launches tomorrow" is a change of these numbers only: every one reaches the resources
(worker count and size, queue timeouts, the queue-age alarm) and the service's environment (SUBMISSION_MAX_BYTES,
GROUND_TRUTH_MAX_BYTES, UPLOAD_TICKET_SECONDS, SCORING_MAX_SECONDS, SCORING_MAX_RECEIVES).

```jsonc
"scoring": {
  "minWorkers": 2,            // 0 allowed outside prod: the fleet starts from nothing when a message waits
  "maxWorkers": 20,
  "cpu": 1024, "memoryMiB": 4096,   // a Fargate size, large enough for the largest upload (below)
  "spot": true,               // workers on Fargate Spot; in prod the first minWorkers stay on-demand
  "backlogPerWorker": 20,     // the scaling target: messages waiting per busy worker
  "maxUploadMiB": 500,        // a submission file as uploaded (plain or gzip)
  "maxGroundTruthMiB": 200,   // a ground-truth file; the web task parses it
  "uploadTicketMinutes": 15,  // how long an upload ticket (presigned POST) stays valid
  "maxScoringSeconds": 300,   // the longest a worker may work on one submission
  "maxReceives": 3,           // deliveries of one message before it goes to the dead-letter queue
  "queueAgeAlarmMinutes": 10  // the oldest message's age that pages an operator
}
```
"""

from __future__ import annotations

from dataclasses import dataclass

from stacks.config.environments import PRODUCTION
from stacks.config.fargate import load_fargate_size
from stacks.config.reader import ConfigError, Reader

MIB = 1024 * 1024
# S3 accepts at most 5 GB in one POST, the request a presigned POST upload is.
S3_POST_MAX_MIB = 5 * 1024
# The largest scoring time: the queue's visibility timeout (this plus the worker's stop timeout) must stay below
# SQS's 12 hours, and an hour already means a file far beyond any upload limit here.
MAX_SCORING_SECONDS = 3600
# Memory a worker needs to score a CSV file of a given size: the columnar engine peaked at 1,296 MiB for a 196 MiB
# CSV file of 10,000,000 rows with its ground truth of the same rows loaded (service/benchmarks/SCORING_RESULTS.md,
# macro_f1 shuffled, polars' default allocator: the worst case measured), about 6.6 times the file: 7 times the file,
# plus what Django, the worker loop and the cached ground truths hold. The web task parses a ground truth the same
# way, so the same rule sizes it for the largest ground truth.
MEMORY_PER_FILE_MIB = 7
BASE_MEMORY_MIB = 512


@dataclass(frozen=True)
class ScoringConfig:
    min_workers: int
    max_workers: int
    cpu: int
    memory_mib: int
    spot: bool
    backlog_per_worker: int
    max_upload_mib: int
    max_ground_truth_mib: int
    upload_ticket_minutes: int
    max_scoring_seconds: int
    max_receives: int
    queue_age_alarm_minutes: int
    # With Spot: how many workers stay on on-demand Fargate (production's floor, minWorkers; none elsewhere).
    on_demand_workers: int

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mib * MIB

    @property
    def max_ground_truth_bytes(self) -> int:
        return self.max_ground_truth_mib * MIB

    @property
    def upload_ticket_seconds(self) -> int:
        return self.upload_ticket_minutes * 60


def memory_needed_mib(file_mib: int) -> int:
    """What a task needs to parse a CSV file of `file_mib` with the columnar engine (see MEMORY_PER_FILE_MIB)."""
    return BASE_MEMORY_MIB + MEMORY_PER_FILE_MIB * file_mib


def load_scoring(environment: str, scoring: Reader, *, web_memory_key: str, web_memory_mib: int) -> ScoringConfig:
    """The web task's memory comes in as an argument (it parses ground truths): the section reads only itself."""
    min_workers = scoring.integer("minWorkers", 0, 1000)
    max_workers = scoring.integer("maxWorkers", 1, 1000)
    cpu, memory = load_fargate_size(scoring)
    spot = scoring.boolean("spot")
    backlog_per_worker = scoring.integer("backlogPerWorker", 1, 10_000)
    max_upload = scoring.integer("maxUploadMiB", 1, S3_POST_MAX_MIB)
    max_ground_truth = scoring.integer("maxGroundTruthMiB", 1, S3_POST_MAX_MIB)
    ticket_minutes = scoring.integer("uploadTicketMinutes", 1, 60)
    max_scoring_seconds = scoring.integer("maxScoringSeconds", 60, MAX_SCORING_SECONDS)
    max_receives = scoring.integer("maxReceives", 1, 10)
    queue_age_minutes = scoring.integer("queueAgeAlarmMinutes", 1, 24 * 60)
    scoring.reject_unknown_keys()

    production = environment == PRODUCTION
    if production and min_workers == 0:
        raise ConfigError(
            f"{scoring.key('minWorkers')} = 0: production keeps a worker running (starting from none waits for the "
            "queue's metrics and a task start, and a deployment with no task tests nothing)"
        )
    if min_workers > max_workers:
        raise ConfigError(
            f"{scoring.key('minWorkers')} = {min_workers}: must not exceed {scoring.key('maxWorkers')} = {max_workers}"
        )
    if memory < memory_needed_mib(max_upload):
        raise ConfigError(
            f"{scoring.key('memoryMiB')} = {memory}: a worker scoring a {max_upload} MiB file (maxUploadMiB) needs "
            f"{memory_needed_mib(max_upload)} MiB ({MEMORY_PER_FILE_MIB} x the file + {BASE_MEMORY_MIB}); raise it or "
            "lower maxUploadMiB"
        )
    if web_memory_mib < memory_needed_mib(max_ground_truth):
        raise ConfigError(
            f"{scoring.key('maxGroundTruthMiB')} = {max_ground_truth}: the web task parses ground truths and needs "
            f"{memory_needed_mib(max_ground_truth)} MiB for it ({MEMORY_PER_FILE_MIB} x the file + "
            f"{BASE_MEMORY_MIB}), but {web_memory_key} = {web_memory_mib}"
        )
    if queue_age_minutes * 60 <= max_scoring_seconds:
        raise ConfigError(
            f"{scoring.key('queueAgeAlarmMinutes')} = {queue_age_minutes}: SQS counts a message's age while a worker "
            f"scores it, so an alarm at or below maxScoringSeconds = {max_scoring_seconds} would page on a healthy "
            "long scoring"
        )
    return ScoringConfig(
        min_workers=min_workers,
        max_workers=max_workers,
        cpu=cpu,
        memory_mib=memory,
        spot=spot,
        backlog_per_worker=backlog_per_worker,
        max_upload_mib=max_upload,
        max_ground_truth_mib=max_ground_truth,
        upload_ticket_minutes=ticket_minutes,
        max_scoring_seconds=max_scoring_seconds,
        max_receives=max_receives,
        queue_age_alarm_minutes=queue_age_minutes,
        on_demand_workers=min_workers if spot and production else 0,
    )
