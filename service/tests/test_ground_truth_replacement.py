"""A host replaces the ground truth until a submission was completed: a participant's ticket that was never
completed (no slot, never scored) does not count, and a completion and a replacement happen one after the other."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from competitions.models import Competition

from .factories import client_for, csv_upload
from .upload_flow import GOOD, ask_ticket, complete, participant, post_form

REPLACEMENT = (
    "id,expected,usage\na,cat,Public\nb,dog,Public\nc,cat,Public\nd,dog,Private\ne,cat,Private\nf,dog,Private\n"
)


def host_of(slug: str):
    return Competition.objects.get(slug=slug).role_bindings.get(role__name="competition-host").user


def replace_ground_truth(slug: str):
    return client_for(host_of(slug)).post(
        f"/api/v1/competitions/{slug}/ground-truth/", {"file": csv_upload(REPLACEMENT, "gt.csv")}, format="multipart"
    )


@pytest.fixture
def member(db):
    return participant("flow", daily_submission_limit=2)


def test_a_ticket_never_completed_does_not_block_a_new_ground_truth(member):
    ask_ticket(member, "flow", GOOD)  # awaiting its upload: no slot, nothing scored

    response = replace_ground_truth("flow")

    assert response.status_code == 201, response.json()


def test_a_completed_submission_blocks_a_new_ground_truth(member):
    body = ask_ticket(member, "flow", GOOD).json()
    post_form(member, body["upload"], GOOD)
    complete(member, "flow", body["id"])

    response = replace_ground_truth("flow")

    assert (response.status_code, response.json()["error"]["code"]) == (409, "submissions_exist")


@pytest.mark.django_db(transaction=True)
def test_a_completion_waits_for_a_replacement_that_holds_the_competition():
    """The replacement locks the competition's row and then checks for submissions: a completion committed in
    between would be scored against the ground truth being replaced. The completion's audit event refers to the
    competition (its foreign-key check takes KEY SHARE on the row, in the completion's transaction), so the
    completion commits only after the replacement: its worker reads the new ground truth."""
    cache.clear()  # committed throttle counters of earlier transactional tests
    member = participant("flow", daily_submission_limit=2)
    body = ask_ticket(member, "flow", GOOD).json()
    post_form(member, body["upload"], GOOD)
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def replacement_in_progress() -> None:
        try:
            with transaction.atomic():
                Competition.objects.select_for_update().get(slug="flow")
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    def completion() -> None:
        try:
            complete(member, "flow", body["id"])
            done.set()
        finally:
            connection.close()

    holder = threading.Thread(target=replacement_in_progress)
    holder.start()
    assert locked.wait(5)
    completing = threading.Thread(target=completion)
    completing.start()
    time.sleep(0.5)
    waited = not done.is_set()
    release.set()
    holder.join(10)
    completing.join(10)

    assert waited, "the completion went on while the replacement held the competition's row"
    assert done.is_set()
