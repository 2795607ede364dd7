"""The operators' commands over moto's SQS and PostgreSQL: ``sweep_scoring`` (re-send lost messages, fail the
submissions of dead letters, delete expired tickets; idempotent) and ``requeue_submission`` (failed -> queued, sent;
refuses what is not failed)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from submissions import transitions
from submissions.models import DailySubmissionQuota, Submission
from submissions.worker import dead_letters
from submissions.worker.scoring import Outcome
from submissions.worker.sqs_loop import ScoringWorker

from .factories import all_correct, upload_predictions
from .upload_flow import GOOD, ask_ticket, participant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def member():
    return participant("swept", daily_submission_limit=20)


def sweep() -> str:
    out = StringIO()
    call_command("sweep_scoring", stdout=out)
    return out.getvalue().strip()


def requeue(*ids: int) -> str:
    out = StringIO()
    call_command("requeue_submission", *map(str, ids), stdout=out)
    return out.getvalue().strip()


def visible_and_hidden(queues, url: str) -> tuple[int, int]:
    attributes = queues.client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def long_ago(settings) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.SCORING_RESEND_AFTER_SECONDS + 1)


def poison(pk: int) -> Outcome:
    raise RuntimeError("the worker cannot handle this one")


def dead_lettered(queues, member) -> int:
    """A queued submission whose message a worker failed on until SQS moved it to the dead-letter queue."""
    submission_id = upload_predictions(member, "swept", all_correct()).json()["id"]
    ScoringWorker(queues.client, queues.config(), poison).run(exit_when_idle=True)  # two receives, then the DLQ
    return int(submission_id)


def test_a_message_sqs_refused_is_sent_by_the_sweep_once_it_may_be_lost(queues, member, settings):
    settings.SCORING_QUEUE_URL = queues.url.replace("/scoring", "/deleted-queue")  # SQS refuses the send
    assert upload_predictions(member, "swept", all_correct()).status_code == 201
    settings.SCORING_QUEUE_URL = queues.url

    assert sweep().startswith("sweep_scoring: resent 0 queued")  # queued just now: its send may be on its way
    Submission.objects.update(queued_at=long_ago(settings))
    summary = sweep()

    assert summary == (
        "sweep_scoring: resent 1 queued submission(s) (0 could not be sent), failed 0 from dead letters, "
        "deleted 0 expired upload ticket(s)"
    )
    assert Submission.objects.get().sent_at is not None
    assert visible_and_hidden(queues, queues.url) == (1, 0)
    assert sweep().startswith("sweep_scoring: resent 0 queued")  # sent once: never again
    ScoringWorker(queues.client, queues.config()).run(exit_when_idle=True)
    assert Submission.objects.get().status == "scored"


def test_a_message_older_than_the_queue_keeps_one_is_sent_again(queues, member, settings):
    """SQS drops a message after its retention without a word: the submission would stay queued forever."""
    upload_predictions(member, "swept", all_correct())
    queues.client.purge_queue(QueueUrl=queues.url)  # what the retention does, at once
    retention = dt.timedelta(seconds=settings.SCORING_QUEUE_RETENTION_SECONDS)
    Submission.objects.update(sent_at=timezone.now() - retention + dt.timedelta(minutes=1))
    assert sweep().startswith("sweep_scoring: resent 0 queued")  # the message may still be in the queue

    Submission.objects.update(sent_at=timezone.now() - retention - dt.timedelta(minutes=1))
    assert sweep().startswith("sweep_scoring: resent 1 queued")
    assert sweep().startswith("sweep_scoring: resent 0 queued")  # sent again just now
    ScoringWorker(queues.client, queues.config()).run(exit_when_idle=True)
    assert Submission.objects.get().status == "scored"


def test_a_send_that_fails_again_is_counted_and_left_for_the_next_sweep(queues, member, settings):
    settings.SCORING_QUEUE_URL = queues.url.replace("/scoring", "/deleted-queue")
    upload_predictions(member, "swept", all_correct())
    Submission.objects.update(queued_at=long_ago(settings))

    assert "resent 0 queued submission(s) (1 could not be sent)" in sweep()
    assert Submission.objects.get().sent_at is None


def test_the_sweep_fails_the_submissions_of_dead_letters_and_leaves_the_messages(queues, member):
    submission_id = dead_lettered(queues, member)

    assert "failed 1 from dead letters" in sweep()

    submission = Submission.objects.get(pk=submission_id)
    assert submission.status == "failed"
    assert submission.error == (
        "scoring did not finish after 2 attempts (the platform's operators are alerted); your daily slot was given back"
    )
    assert DailySubmissionQuota.objects.get().used == 0  # the slot is given back
    assert visible_and_hidden(queues, queues.dead_letters) == (0, 1)  # kept for the operators, hidden a moment
    assert "failed 0 from dead letters" in sweep()


def test_a_malformed_dead_letter_is_skipped(queues, member):
    queues.client.send_message(QueueUrl=queues.dead_letters, MessageBody="not a scoring message")
    submission_id = dead_lettered(queues, member)

    assert "failed 1 from dead letters" in sweep()
    assert Submission.objects.get(pk=submission_id).status == "failed"


def test_the_sweep_deletes_awaiting_upload_rows_whose_ticket_expired(queues, member, settings):
    expired, fresh = (ask_ticket(member, "swept", GOOD).json()["id"] for _ in range(2))
    expiry = settings.UPLOAD_TICKET_SECONDS + 2 * 60 * 60
    Submission.objects.filter(pk=expired).update(created_at=timezone.now() - dt.timedelta(seconds=expiry))

    assert sweep().endswith("deleted 1 expired upload ticket(s)")
    assert list(Submission.objects.values_list("pk", flat=True)) == [fresh]


def test_requeue_sends_a_failed_submission_and_its_old_dead_letter_no_longer_fails_it(queues, member, monkeypatch):
    monkeypatch.setattr(dead_letters, "LOOK_VISIBILITY_SECONDS", 0)  # each sweep sees the dead letter again
    monkeypatch.setattr(dead_letters, "MAX_RECEIVES_PER_SWEEP", 1)
    # In production the requeue comes minutes after the message was sent (it went through every receive first);
    # here it comes within a second, so the allowance for the clocks' difference is taken away.
    monkeypatch.setattr(dead_letters, "CLOCK_SKEW", dt.timedelta(0))
    submission_id = dead_lettered(queues, member)
    assert "failed 1 from dead letters" in sweep()

    assert requeue(submission_id) == f"submission {submission_id}: queued"

    submission = Submission.objects.get(pk=submission_id)
    assert (submission.status, submission.error, submission.scored_at) == ("queued", "", None)
    assert submission.sent_at is not None
    assert visible_and_hidden(queues, queues.dead_letters) == (1, 0)  # the next sweep reads the old message
    assert "failed 0 from dead letters" in sweep()  # an attempt from before the requeue
    assert Submission.objects.get(pk=submission_id).status == "queued"
    ScoringWorker(queues.client, queues.config()).run(exit_when_idle=True)
    assert Submission.objects.get(pk=submission_id).status == "scored"
    assert sum(visible_and_hidden(queues, queues.dead_letters)) == 1  # still there for the operators to purge


def test_requeue_refuses_ids_that_do_not_exist_or_are_not_failed_and_requeues_none(queues, member):
    failed = dead_lettered(queues, member)
    sweep()
    scored = upload_predictions(member, "swept", all_correct()).json()["id"]
    ScoringWorker(queues.client, queues.config()).run(exit_when_idle=True)

    with pytest.raises(CommandError) as refused:
        requeue(failed, scored, 999999)

    assert str(refused.value) == (
        f"nothing requeued: submission {scored} is scored, not failed; submission 999999 does not exist"
    )
    assert Submission.objects.get(pk=failed).status == "failed"


def test_a_dead_letter_judged_before_a_requeue_commits_does_not_fail_the_requeued_submission(queues, member):
    """The sweep read the submission (failed... then queued by a requeue) and judged the message of its attempt; the
    guarded update checks that attempt, so the requeue that committed in between is not undone."""
    submission_id = dead_lettered(queues, member)
    judged = Submission.objects.get(pk=submission_id)  # queued, the attempt the dead letter belongs to
    Submission.objects.filter(pk=submission_id).update(queued_at=timezone.now() + dt.timedelta(seconds=1))

    assert not transitions.finish_failed(judged, "retries spent", attempt=judged.queued_at)
    assert Submission.objects.get(pk=submission_id).status == "queued"
    assert transitions.finish_failed(judged, "retries spent")  # without an attempt: as before
