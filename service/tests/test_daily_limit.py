"""The daily submission limit: per team per UTC day, safe under concurrency, not refunded by deletion."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache
from django.db import connection

from core.errors import QuotaExceeded
from submissions.models import DailySubmissionQuota, Submission
from submissions.slots import claim_daily_slot, utc_day

from .factories import (
    all_correct,
    client_for,
    csv_upload,
    make_competition,
    make_team,
    make_user,
    predictions_csv,
)


def post(client, slug: str = "limited"):
    return client.post(
        f"/api/v1/competitions/{slug}/submissions/",
        {"file": csv_upload(predictions_csv(all_correct()))},
        format="multipart",
    )


@pytest.mark.django_db
def test_the_limit_counts_per_team_and_answers_429_with_a_stable_code():
    alice, bob = make_user("alice"), make_user("bob")
    competition = make_competition("limited", make_user("host"), daily_submission_limit=2)
    make_team(competition, "Two", alice, bob)
    assert post(client_for(alice)).status_code == 201
    assert post(client_for(bob)).status_code == 201  # the same team: the second and last slot
    response = post(client_for(alice))
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "daily_limit_reached"
    assert response.json()["error"]["details"]["limit"] == 2


@pytest.mark.django_db
def test_other_teams_have_their_own_slots():
    alice, bob = make_user("alice"), make_user("bob")
    competition = make_competition("limited", make_user("host"), daily_submission_limit=1)
    make_team(competition, "A", alice)
    make_team(competition, "B", bob)
    assert post(client_for(alice)).status_code == 201
    assert post(client_for(bob)).status_code == 201


@pytest.mark.django_db
def test_deleting_a_submission_does_not_give_its_slot_back():
    alice = make_user("alice")
    competition = make_competition("limited", make_user("host"), daily_submission_limit=1)
    make_team(competition, "A", alice)
    client = client_for(alice)
    submission_id = post(client).json()["id"]
    assert client.delete(f"/api/v1/competitions/limited/submissions/{submission_id}/").status_code == 204
    assert post(client).status_code == 429


@pytest.mark.django_db
def test_slots_are_counted_per_utc_day():
    alice = make_user("alice")
    competition = make_competition("limited", make_user("host"), daily_submission_limit=1)
    team = make_team(competition, "A", alice)
    claim_daily_slot(team, 1, date(2026, 1, 1))
    with pytest.raises(QuotaExceeded):
        claim_daily_slot(team, 1, date(2026, 1, 1))
    assert claim_daily_slot(team, 1, date(2026, 1, 2)) == 1


def test_the_utc_day_of_a_late_evening_elsewhere_is_the_next_day():
    from zoneinfo import ZoneInfo

    evening_in_new_york = datetime(2026, 3, 1, 21, 30, tzinfo=ZoneInfo("America/New_York"))
    assert utc_day(evening_in_new_york) == date(2026, 3, 2)
    assert utc_day(datetime(2026, 3, 1, 23, 59, tzinfo=UTC)) == date(2026, 3, 1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_cannot_both_take_the_last_slot():
    cache.clear()  # committed throttle counters of earlier transactional tests
    members = [make_user(f"m{i}") for i in range(3)]
    competition = make_competition("limited", make_user("host"), daily_submission_limit=2, max_team_size=3)
    team = make_team(competition, "Racers", *members)
    clients = [client_for(member) for member in members for _ in range(2)]  # six simultaneous uploads
    start = threading.Barrier(len(clients))
    statuses: list[int] = []
    lock = threading.Lock()

    def upload(client):
        try:
            start.wait(timeout=10)
            status = post(client).status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [201, 201, 429, 429, 429, 429]
    assert Submission.objects.filter(team=team).count() == 2
    assert DailySubmissionQuota.objects.get(team=team).used == 2


@pytest.mark.django_db
def test_leaving_a_team_after_it_submitted_is_refused_so_the_limit_cannot_be_reset():
    alice, bob = make_user("alice"), make_user("bob")
    competition = make_competition("limited", make_user("host"), daily_submission_limit=1)
    team = make_team(competition, "A", alice, bob)
    assert post(client_for(alice)).status_code == 201
    Submission.objects.filter(team=team).delete()  # a deleted submission still counts, as for the limit

    response = client_for(alice).post(f"/api/v1/competitions/limited/teams/{team.pk}/leave/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "team_has_submitted"
    assert team.memberships.filter(user=alice).exists()
    # Without the rule: leave, found a new team, and submit again on the same day with a second leaderboard row.
    assert client_for(alice).post("/api/v1/competitions/limited/teams/", {"name": "B"}).status_code == 409


@pytest.mark.django_db
def test_a_member_may_leave_a_team_that_has_not_submitted():
    alice, bob = make_user("alice"), make_user("bob")
    competition = make_competition("limited", make_user("host"))
    team = make_team(competition, "A", alice, bob)

    assert client_for(bob).post(f"/api/v1/competitions/limited/teams/{team.pk}/leave/").status_code == 204
    assert list(team.memberships.values_list("user__username", flat=True)) == ["alice"]
