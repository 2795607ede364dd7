"""Sending the scoring message after the completion commits (moto's SQS, real transactions): a send that fails is
logged and the completion still answers ``queued`` (the sweep sends it again); a sent message is recorded, and
completing again sends only a message that may be lost, never a duplicate of one that was sent."""

from __future__ import annotations

import datetime as dt
import importlib
import logging

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from submissions.models import Submission

from .factories import all_correct, upload_predictions
from .upload_flow import GOOD, ask_ticket, complete, participant, post_form

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def member():
    return participant("queued", daily_submission_limit=20)


def messages_in(queues) -> int:
    attributes = queues.client.get_queue_attributes(QueueUrl=queues.url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_a_message_that_cannot_be_sent_leaves_the_submission_queued_and_the_answer_a_success(
    queues, member, settings, caplog
):
    settings.SCORING_QUEUE_URL = queues.url.replace("/scoring", "/deleted-queue")  # SQS refuses the send
    caplog.set_level(logging.ERROR, logger="submissions.worker.dispatch")

    response = upload_predictions(member, "queued", all_correct())

    assert (response.status_code, response.json()["status"]) == (201, "queued")
    submission = Submission.objects.get()
    assert (submission.status, submission.sent_at) == ("queued", None)  # what the sweep sends again
    assert "could not send the scoring message of submission" in caplog.text


def test_a_completion_whose_message_cannot_be_sent_answers_queued(queues, member, settings):
    body = ask_ticket(member, "queued", GOOD).json()
    post_form(member, body["upload"], GOOD)
    settings.SCORING_QUEUE_URL = queues.url.replace("/scoring", "/deleted-queue")

    response = complete(member, "queued", body["id"])

    assert (response.status_code, response.json()["status"]) == (200, "queued")


def test_a_sent_message_is_recorded(queues, member):
    upload_predictions(member, "queued", all_correct())

    assert Submission.objects.get().sent_at is not None
    assert messages_in(queues) == 1


def test_completing_again_sends_only_a_message_that_may_be_lost(queues, member, settings):
    body = ask_ticket(member, "queued", GOOD).json()
    post_form(member, body["upload"], GOOD)
    assert complete(member, "queued", body["id"]).json()["status"] == "queued"
    long_ago = timezone.now() - dt.timedelta(seconds=settings.SCORING_RESEND_AFTER_SECONDS + 1)

    complete(member, "queued", body["id"])  # a client retrying: the message is on its way
    Submission.objects.update(queued_at=long_ago)
    complete(member, "queued", body["id"])  # queued long ago, but its message was sent: SQS keeps it
    assert messages_in(queues) == 1

    Submission.objects.update(sent_at=None)  # its send failed
    complete(member, "queued", body["id"])
    assert messages_in(queues) == 2
    assert Submission.objects.get().sent_at is not None


def test_a_retried_completion_sends_no_second_message_right_away(queues, member, settings):
    body = ask_ticket(member, "queued", GOOD).json()
    post_form(member, body["upload"], GOOD)
    settings.SCORING_QUEUE_URL = queues.url.replace("/scoring", "/deleted-queue")
    complete(member, "queued", body["id"])  # the send fails
    settings.SCORING_QUEUE_URL = queues.url

    complete(member, "queued", body["id"])  # within SCORING_RESEND_AFTER_SECONDS: the sweep's job, not a duplicate

    assert messages_in(queues) == 0


def test_the_migration_counts_the_previous_releases_queued_submissions_as_sent(queues, member, settings):
    """Its messages were sent (the previous release raised when a send failed): the sweep must not double them."""
    settings.SCORING_QUEUE_URL = queues.url.replace("/scoring", "/deleted-queue")
    upload_predictions(member, "queued", all_correct())  # queued, sent_at empty: as the previous release left it
    Submission.objects.update(
        queued_at=timezone.now() - dt.timedelta(seconds=settings.SCORING_RESEND_AFTER_SECONDS + 1)
    )
    sent_when_queued = importlib.import_module("submissions.migrations.0007_sent_at").sent_when_queued

    sent_when_queued(django_apps, None)

    submission = Submission.objects.get()
    assert submission.sent_at == submission.queued_at
    assert not Submission.objects.message_may_be_lost().exists()
