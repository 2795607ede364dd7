"""The contract the scoring worker keeps, against SQS (moto, in-process) and PostgreSQL with real transactions:
at-least-once delivery with exactly-once effect, the heartbeat, SIGTERM, poison messages and the dead-letter
queue, one read of a ground truth per burst, and enqueueing only after the completion commits."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

import pytest
from django.core.management import call_command

from competitions import ground_truth_files
from leaderboards import services as leaderboard_services
from leaderboards.models import LeaderboardEntry
from scoring import ground_truth_store as store_module
from submissions import transitions
from submissions.models import Submission
from submissions.worker.messages import ScoringMessage
from submissions.worker.scoring import Outcome, score_submission
from submissions.worker.sqs_loop import ScoringWorker

from .factories import all_correct, client_for, make_competition, make_team, make_user, upload_predictions
from .upload_flow import participant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def member():
    return participant("queued", daily_submission_limit=20)


def queued(member, count: int = 1) -> list[int]:
    """Uploads through the web path: each completion sends one message (after its commit)."""
    ids = []
    for _ in range(count):
        response = upload_predictions(member, "queued", all_correct())
        assert response.json()["status"] == "queued", response.json()
        ids.append(response.json()["id"])
    return ids


@pytest.fixture
def board_updates(monkeypatch) -> list[int]:
    offered: list[int] = []
    original = leaderboard_services.record_scored_submission

    def counting(*, submission, metric):
        offered.append(submission.pk)
        original(submission=submission, metric=metric)

    monkeypatch.setattr(transitions, "record_scored_submission", counting)
    return offered


def test_a_message_delivered_twice_scores_once_and_updates_the_board_once(queues, member, board_updates):
    (submission_id,) = queued(member)
    queues.client.send_message(QueueUrl=queues.url, MessageBody=ScoringMessage(submission_id).encode())

    ScoringWorker(queues.client, queues.config()).run(exit_when_idle=True)

    assert Submission.objects.get(pk=submission_id).status == "scored"
    assert board_updates == [submission_id]
    assert LeaderboardEntry.objects.filter(submission_id=submission_id).count() == 2  # public and private
    assert queues.receive() == []  # both deliveries deleted


def test_the_workers_log_records_carry_the_submission_id_as_a_field(queues, member, caplog):
    """The dead-letter runbook finds a submission's records with `filter submission_id = N` in Logs Insights."""
    (submission_id,) = queued(member)
    with caplog.at_level("INFO", logger="submissions.worker"):
        ScoringWorker(queues.client, queues.config()).run(exit_when_idle=True)
    outcome = [record for record in caplog.records if record.getMessage() == f"submission {submission_id}: scored"]
    assert [getattr(record, "submission_id", None) for record in outcome] == [submission_id]


def test_a_worker_killed_mid_scoring_leaves_the_message_to_another(queues, member, board_updates):
    (submission_id,) = queued(member)
    (taken,) = queues.receive(visibility=60)  # taken by a worker ...
    assert transitions.start_scoring(submission_id)  # ... which died while scoring: no delete, status scoring
    # Its visibility runs out (at once rather than after a sleep).
    queues.client.change_message_visibility(
        QueueUrl=queues.url, ReceiptHandle=taken["ReceiptHandle"], VisibilityTimeout=0
    )

    ScoringWorker(queues.client, queues.config()).run(exit_when_idle=True)

    assert Submission.objects.get(pk=submission_id).status == "scored"
    assert board_updates == [submission_id]
    assert score_submission(submission_id) == Outcome.NOTHING_TO_DO  # a late duplicate changes nothing


def run_in_thread(worker: ScoringWorker, **options: Any) -> threading.Thread:
    thread = threading.Thread(target=worker.run, kwargs=options, daemon=True)
    thread.start()
    return thread


def test_the_heartbeat_keeps_a_long_file_invisible_until_it_is_scored(queues, member):
    (submission_id,) = queued(member)

    def long_file(pk: int) -> Outcome:
        time.sleep(3)  # longer than the queue's visibility timeout (2 s)
        return score_submission(pk)

    thread = run_in_thread(ScoringWorker(queues.client, queues.config(), long_file), max_messages=1)
    time.sleep(0.5)
    seen_meanwhile = []
    while thread.is_alive():
        seen_meanwhile += queues.receive()
        time.sleep(0.25)

    assert seen_meanwhile == []
    assert Submission.objects.get(pk=submission_id).status == "scored"
    assert queues.receive() == []


def test_sigterm_releases_the_message_in_hand_when_it_cannot_finish(queues, member):
    (submission_id,) = queued(member)
    started, unblock = threading.Event(), threading.Event()

    def stuck(pk: int) -> Outcome:
        started.set()
        unblock.wait(10)
        return Outcome.NOTHING_TO_DO

    worker = ScoringWorker(queues.client, queues.config(stop_seconds=0.3), stuck)
    thread = run_in_thread(worker)
    assert started.wait(5)
    worker.stop()
    thread.join(5)
    unblock.set()

    assert not thread.is_alive()
    (released,) = queues.receive()  # back in the queue at once, for another worker
    assert ScoringMessage.decode(released["Body"]).submission_id == submission_id
    assert released["Attributes"]["ApproximateReceiveCount"] == "2"


def test_sigterm_lets_a_unit_of_work_that_finishes_in_time_finish(queues, member):
    (submission_id,) = queued(member)
    started = threading.Event()

    def quick(pk: int) -> Outcome:
        started.set()
        time.sleep(0.3)
        return score_submission(pk)

    worker = ScoringWorker(queues.client, queues.config(stop_seconds=5), quick)
    thread = run_in_thread(worker)
    assert started.wait(5)
    worker.stop()
    thread.join(10)

    assert Submission.objects.get(pk=submission_id).status == "scored"
    assert queues.receive() == []


def test_the_command_stops_the_worker_on_sigterm(queues, monkeypatch):
    stopped = []

    def run_until_sigterm(self, **options):
        signal.raise_signal(signal.SIGTERM)
        stopped.append(self.stopping.is_set())

    monkeypatch.setattr(ScoringWorker, "run", run_until_sigterm)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        call_command("run_scoring_worker")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert stopped == [True]


def test_a_malformed_message_is_never_deleted_and_ends_in_the_dead_letter_queue(queues):
    queues.client.send_message(QueueUrl=queues.url, MessageBody="not a scoring message")
    ScoringWorker(queues.client, queues.config()).run(exit_when_idle=True)
    assert queues.receive(queues.dead_letters)[0]["Body"] == "not a scoring message"


def test_a_burst_reads_the_ground_truth_once(queues, member, monkeypatch):
    ids = queued(member, 5)
    ground_truth_files.scoring_cache().clear()
    reads: list[int] = []
    original = store_module.read_ground_truth

    def counting(stream: Any) -> Any:
        reads.append(1)
        return original(stream)

    monkeypatch.setattr(ground_truth_files, "read_ground_truth", counting)

    ScoringWorker(queues.client, queues.config()).run(exit_when_idle=True)

    assert set(Submission.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"scored"}
    assert reads == [1]


def test_a_completion_that_rolls_back_sends_no_message(queues):
    team_competition = make_competition("full", make_user("host2"), daily_submission_limit=1)
    user = make_user("solo")
    make_team(team_competition, "Solo", user)
    client = client_for(user)
    assert upload_predictions(client, "full", all_correct()).status_code == 201
    assert upload_predictions(client, "full", all_correct()).status_code == 429  # rolled back: nothing sent

    assert len(queues.receive()) == 1


def test_a_batch_is_scored_in_turn_and_its_waiting_messages_go_back_on_sigterm(queues, member):
    ids = queued(member, 3)
    started, unblock = threading.Event(), threading.Event()

    def first_is_stuck(pk: int) -> Outcome:
        started.set()
        unblock.wait(10)
        return Outcome.NOTHING_TO_DO

    worker = ScoringWorker(queues.client, queues.config(receive_batch=10, stop_seconds=0.3), first_is_stuck)
    thread = run_in_thread(worker)
    assert started.wait(5)
    worker.stop()
    thread.join(5)
    unblock.set()

    released = queues.client.receive_message(QueueUrl=queues.url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(ScoringMessage.decode(message["Body"]).submission_id for message in released) == ids


def test_a_batch_of_messages_is_scored_and_deleted_together(queues, member, board_updates):
    ids = queued(member, 4)
    ScoringWorker(queues.client, queues.config(receive_batch=10)).run(exit_when_idle=True)
    assert sorted(board_updates) == ids
    assert queues.receive() == []
