"""A flood of refused writes neither floods the audit log nor goes on unthrottled: repeated refusals are one event
with a count, and a user's refusals beyond the ``denied_writes`` rate answer 429."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from access.denial_throttle import DEFAULT_RATE
from access.models import AuditEvent

from .factories import client_for, make_competition, make_team, make_user

GRANT = {"user": "outsider", "role": "competition-host"}


@pytest.fixture
def open_competition(db):
    return make_competition("open", make_user("host"))


@pytest.fixture
def generous_throttle(monkeypatch):
    """The throttle out of the way, to see the merging alone."""
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "denied_writes": "1000/minute"}
    )


def grant_attempts(client, count: int) -> list[int]:
    return [client.post("/api/v1/competitions/open/role-bindings/", GRANT).status_code for _ in range(count)]


def denials() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(decision="deny").order_by("id"))


def test_thirty_refused_grants_are_one_event_with_a_count(open_competition, generous_throttle):
    assert grant_attempts(client_for(make_user("outsider")), 30) == [403] * 30

    (event,) = denials()
    assert (event.action, event.actor_username, event.repeat_count) == ("rolebinding.create", "outsider", 30)
    assert event.last_at is not None
    assert event.created_at <= event.last_at


def test_a_refusal_that_happened_once_has_no_repeats(open_competition):
    grant_attempts(client_for(make_user("outsider")), 1)
    (event,) = denials()
    assert (event.repeat_count, event.last_at) == (1, None)


def test_different_targets_and_actions_are_separate_events(open_competition, generous_throttle):
    outsider = make_user("outsider")
    client = client_for(outsider)
    team = make_team(open_competition, "T", make_user("alice"))
    grant_attempts(client, 2)
    for _ in range(2):
        client.post(f"/api/v1/competitions/open/teams/{team.pk}/join/", {"invite_code": "wrong"})
    client.patch("/api/v1/competitions/open/", {"title": "Mine"}, format="json")

    assert [(event.action, event.repeat_count) for event in denials()] == [
        ("rolebinding.create", 2),
        ("team.join", 2),
        ("competition.update", 1),
    ]


def test_a_refusal_after_the_window_starts_a_new_event(open_competition, generous_throttle):
    client = client_for(make_user("outsider"))
    grant_attempts(client, 2)
    later = timezone.now() + timedelta(minutes=11)
    with mock.patch("django.utils.timezone.now", return_value=later):
        grant_attempts(client, 1)
    assert [event.repeat_count for event in denials()] == [2, 1]


def test_the_log_serves_the_count(open_competition, generous_throttle):
    grant_attempts(client_for(make_user("outsider")), 3)
    host = open_competition.role_bindings.get().user
    (entry,) = [
        row
        for row in client_for(host).get("/api/v1/competitions/open/audit-log/").json()["results"]
        if row["decision"] == "deny"
    ]
    assert entry["repeat_count"] == 3
    assert entry["last_at"] is not None


def test_refusals_beyond_the_rate_answer_429_and_are_not_logged(open_competition):
    limit = int(DEFAULT_RATE.split("/")[0])
    client = client_for(make_user("outsider"))

    statuses = grant_attempts(client, 30)

    assert statuses == [403] * limit + [429] * (30 - limit)
    response = client.post("/api/v1/competitions/open/role-bindings/", GRANT)
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    (event,) = denials()
    assert event.repeat_count == limit


def test_the_throttle_counts_refusals_only(open_competition):
    """A user's allowed writes are not slowed, and do not count towards the throttle."""
    alice = make_user("alice")
    client = client_for(alice)
    statuses = [client.post("/api/v1/competitions/open/teams/", {"name": f"Team {index}"}) for index in range(15)]
    # The first creates her team; the others are allowed and conflict (one team a competition): not refusals.
    assert [(response.status_code, response.json().get("error", {}).get("code")) for response in statuses] == [
        (201, None)
    ] + [(409, "already_in_team")] * 14
    assert grant_attempts(client, 1) == [403]


def test_the_throttle_is_per_user(open_competition):
    limit = int(DEFAULT_RATE.split("/")[0])
    grant_attempts(client_for(make_user("outsider")), limit + 1)
    assert grant_attempts(client_for(make_user("someone")), 1) == [403]
