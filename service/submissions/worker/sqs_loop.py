"""``python manage.py run_scoring_worker``: a boto3 long-poll loop over the SQS scoring queue.

Each message is one submission to score (``scoring.score_submission``, on the work thread). A receive asks for
``lease_seconds`` of visibility (the queue's own default is not the lease), and while the unit of work runs this
thread extends it every ``heartbeat_seconds`` by ``lease_seconds``, and keeps the task protected from scale-in
(``task_protection``). Then:

* an outcome (scored, invalid, failed, nothing to do) deletes the message: delivered twice, scored once;
* an error a retry may cure releases it after a backoff; after ``SCORING_MAX_RECEIVES`` receives SQS moves it to
  the dead-letter queue (the redrive policy), where ``manage.py sweep_scoring`` finds it and marks the submission
  ``failed`` with a reason a participant can read (``dead_letters``); nothing retries forever;
* SIGTERM (ECS stopping the task): no new message is taken; the one in hand gets ``stop_seconds`` to finish, else
  it is released at once (visibility 0) for another worker. Never dropped;
* a unit of work still running after ``max_seconds`` (a file or a bug that never ends) has its messages released
  at once and the worker stops with ``overran`` set: the command exits, and ECS replaces the task, whose stuck
  thread would otherwise hold its memory and CPU. The released message counts a receive, so it ends in the
  dead-letter queue if it overruns every time.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.conf import settings

from . import scoring
from .messages import MalformedMessage, ScoringMessage
from .scoring import Outcome
from .task_protection import TaskProtection
from .work_thread import WorkThread

logger = logging.getLogger(__name__)

# How often the loop's thread wakes while a unit of work runs (heartbeat and stop checks).
TICK_SECONDS = 0.05
# The longest scale-in protection ECS takes (48 hours).
MAX_PROTECTION_MINUTES = 2880


class Waited(Enum):
    """How waiting for a unit of work ended."""

    DONE = "done"
    STOPPED = "stopped"  # SIGTERM's grace ran out first
    OVERRAN = "overran"  # still running after max_seconds


@dataclass(frozen=True, kw_only=True)
class WorkerConfig:
    queue_url: str
    max_receives: int
    max_seconds: float
    heartbeat_seconds: float
    lease_seconds: int
    stop_seconds: float
    wait_seconds: int = 10  # long poll; bounds how long SIGTERM waits while idle
    receive_batch: int = 1  # messages taken per receive (1-10): more is fewer SQS calls, 1 lets idle workers help
    retry_base_seconds: int = 5  # a failed attempt's message comes back after this times its receive count
    ecs_agent_uri: str = ""  # ECS's agent endpoint (scale-in protection); "" outside ECS

    @property
    def protection_minutes(self) -> int:
        """Protection asked for each message: its longest run, rounded up, and a minute for releasing it."""
        return min(MAX_PROTECTION_MINUTES, math.ceil((self.max_seconds + self.stop_seconds) / 60) + 1)

    @classmethod
    def from_settings(cls) -> WorkerConfig:
        return cls(
            queue_url=settings.SCORING_QUEUE_URL,
            max_receives=settings.SCORING_MAX_RECEIVES,
            max_seconds=settings.SCORING_MAX_SECONDS,
            heartbeat_seconds=settings.SCORING_HEARTBEAT_SECONDS,
            lease_seconds=settings.SCORING_LEASE_SECONDS,
            stop_seconds=settings.SCORING_STOP_SECONDS,
            receive_batch=settings.SCORING_RECEIVE_BATCH,
            ecs_agent_uri=settings.ECS_AGENT_URI,
        )


@dataclass(frozen=True)
class Received:
    body: str
    receipt: str
    receive_count: int

    @classmethod
    def of(cls, message: dict[str, Any]) -> Received:
        count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        return cls(message["Body"], message["ReceiptHandle"], count)


class ScoringWorker:
    def __init__(self, client: Any, config: WorkerConfig, unit_of_work: Callable[[int], Outcome] | None = None) -> None:
        self.client = client
        self.config = config
        self.unit_of_work = unit_of_work or scoring.score_submission
        self.stopping = threading.Event()
        self.handled = 0
        self.overran = False  # a unit of work outlived max_seconds: the process should exit
        self.protection = TaskProtection(config.ecs_agent_uri)
        self._work = WorkThread()

    def stop(self) -> None:
        """Take no new message; the one in hand finishes within ``stop_seconds`` or is released."""
        self.stopping.set()

    def run(self, *, max_messages: int | None = None, exit_when_idle: bool = False) -> None:
        while not self.stopping.is_set() and (max_messages is None or self.handled < max_messages):
            messages = [Received.of(message) for message in self._receive()]
            if not messages and exit_when_idle:
                return
            self._handle_batch(messages)

    def _receive(self) -> list[dict[str, Any]]:
        response = self.client.receive_message(
            QueueUrl=self.config.queue_url,
            MaxNumberOfMessages=self.config.receive_batch,
            WaitTimeSeconds=self.config.wait_seconds,
            VisibilityTimeout=self.config.lease_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    def _handle_batch(self, messages: list[Received]) -> None:
        """One message after the other; the ones still waiting are held (their visibility extended too) and, when
        the worker stops, released. Handled messages are deleted together at the end (one call)."""
        handled: list[Received] = []
        try:
            for index, message in enumerate(messages):
                waiting = messages[index + 1 :]
                if self.stopping.is_set():  # received or held while stopping: straight back to the queue
                    self._set_visibility(messages[index:], 0)
                    break
                if self.handle(message, waiting):
                    handled.append(message)
            self._delete(handled)
        finally:
            if messages:
                self.protection.disable()

    def handle(self, message: Received, waiting: list[Received]) -> bool:
        """Run the message's unit of work (``waiting``: the batch's messages after it, kept invisible meanwhile);
        True when the message is done with (to be deleted)."""
        try:
            submission_id = ScoringMessage.decode(message.body).submission_id
        except MalformedMessage:
            logger.error(
                "malformed scoring message (released: it ends in the dead-letter queue): %r", message.body[:200]
            )
            self._set_visibility([message], 0)
            return False
        self.protection.enable(minutes=self.config.protection_minutes)  # renewed for each message of a batch
        future = self._work.submit(lambda: self.unit_of_work(submission_id))
        waited = self._wait_with_heartbeat(future, [message, *waiting])
        if waited is not Waited.DONE:
            self._release(message, submission_id, waited)
            return False
        self.handled += 1
        try:
            outcome = future.result()
        except Exception:
            logger.exception(
                "scoring submission %s failed (receive %s of %s)",
                submission_id,
                message.receive_count,
                self.config.max_receives,
                extra={"submission_id": submission_id},
            )
            self._set_visibility([message], self.config.retry_base_seconds * message.receive_count)
            return False
        logger.info("submission %s: %s", submission_id, outcome.value, extra={"submission_id": submission_id})
        return True

    def _release(self, message: Received, submission_id: int, waited: Waited) -> None:
        """Back to the queue at once, for another worker (or, after an overrun, for the dead-letter queue)."""
        if waited is Waited.OVERRAN:
            logger.error(
                "submission %s still scoring after %s s: released its message, exiting so that ECS replaces the task",
                submission_id,
                self.config.max_seconds,
                extra={"submission_id": submission_id},
            )
            self.overran = True
            self.stop()  # the batch's waiting messages are released too
        else:
            logger.warning(
                "stopping: released the message of submission %s to another worker",
                submission_id,
                extra={"submission_id": submission_id},
            )
        self._set_visibility([message], 0)

    def _wait_with_heartbeat(self, future: Future[Outcome], held: list[Received]) -> Waited:
        """How waiting ended: the unit of work done, a stop's grace run out, or ``max_seconds`` reached first. Keeps
        every held message invisible meanwhile."""
        started = time.monotonic()
        next_beat = started + self.config.heartbeat_seconds
        stop_deadline: float | None = None
        while True:
            try:
                future.exception(timeout=TICK_SECONDS)
                return Waited.DONE
            except FutureTimeout:
                pass
            now = time.monotonic()
            if now - started >= self.config.max_seconds:
                return Waited.OVERRAN
            if self.stopping.is_set():
                stop_deadline = stop_deadline or now + self.config.stop_seconds
                if now >= stop_deadline:
                    return Waited.STOPPED
            if now >= next_beat:
                next_beat = now + self.config.heartbeat_seconds
                self._set_visibility(held, self.config.lease_seconds)

    def _set_visibility(self, messages: list[Received], seconds: int) -> None:
        for start in range(0, len(messages), 10):
            entries = [
                {"Id": str(index), "ReceiptHandle": message.receipt, "VisibilityTimeout": seconds}
                for index, message in enumerate(messages[start : start + 10])
            ]
            result = self.client.change_message_visibility_batch(QueueUrl=self.config.queue_url, Entries=entries)
            if result.get("Failed"):  # a receipt expired (another worker has the message now): nothing to keep
                logger.warning("could not change the visibility of %s message(s)", len(result["Failed"]))

    def _delete(self, messages: list[Received]) -> None:
        for start in range(0, len(messages), 10):
            entries = [
                {"Id": str(index), "ReceiptHandle": message.receipt}
                for index, message in enumerate(messages[start : start + 10])
            ]
            result = self.client.delete_message_batch(QueueUrl=self.config.queue_url, Entries=entries)
            if result.get("Failed"):  # redelivered meanwhile: the other delivery finds them final and deletes them
                logger.warning("could not delete %s handled message(s)", len(result["Failed"]))
