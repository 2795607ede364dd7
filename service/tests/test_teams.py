"""Teams: one team per user per competition (enforced by the database), size limit, invite codes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from teams.models import Team, TeamMembership

from .factories import client_for, make_competition, make_team, make_user


def join(user, team):
    return client_for(user).post(
        f"/api/v1/competitions/{team.competition.slug}/teams/{team.pk}/join/",
        {"invite_code": team.invite_code},
    )


@pytest.fixture
def competition(db):
    return make_competition("teams", make_user("host"), max_team_size=2)


def test_creating_a_team_makes_the_creator_its_member(competition):
    user = make_user("founder")
    response = client_for(user).post("/api/v1/competitions/teams/teams/", {"name": "Founders"})
    assert response.status_code == 201
    assert response.json()["members"] == ["founder"]
    assert response.json()["invite_code"]


def test_team_names_are_unique_within_a_competition(competition):
    make_team(competition, "Taken", make_user("a"))
    response = client_for(make_user("b")).post("/api/v1/competitions/teams/teams/", {"name": "Taken"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "team_name_taken"


def test_the_same_name_is_fine_in_another_competition(competition):
    make_team(competition, "Same", make_user("a"))
    other = make_competition("other", make_user("h2"))
    make_team(other, "Same", make_user("b"))
    assert sorted(Team.objects.filter(name="Same").values_list("competition__slug", flat=True)) == ["other", "teams"]


def test_joining_respects_the_size_limit(competition):
    team = make_team(competition, "Pair", make_user("a"))
    assert join(make_user("b"), team).status_code == 201
    response = join(make_user("c"), team)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "team_full"


def test_a_user_cannot_join_a_second_team_in_one_competition(competition):
    user = make_user("a")
    make_team(competition, "First", user)
    second = make_team(competition, "Second", make_user("b"))
    response = join(user, second)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_in_team"


def test_the_database_enforces_one_team_per_user_per_competition(competition):
    user = make_user("a")
    first = make_team(competition, "First", user)
    second = Team.objects.create(competition=competition, name="Second")
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMembership.objects.create(team=second, competition=competition, user=user)
    assert first.memberships.count() == 1


def test_the_database_keeps_a_membership_in_its_teams_competition(competition):
    team = make_team(competition, "T", make_user("a"))
    other = make_competition("other", make_user("h2"))
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMembership.objects.create(team=team, competition=other, user=make_user("b"))
        connection.check_constraints()  # the composite foreign key is deferred to commit


def test_a_wrong_invite_code_is_refused(competition):
    team = make_team(competition, "T", make_user("a"))
    response = client_for(make_user("b")).post(
        f"/api/v1/competitions/teams/teams/{team.pk}/join/", {"invite_code": "wrong"}
    )
    assert response.status_code == 403


def test_teams_are_frozen_after_the_end(competition):
    team = make_team(competition, "T", make_user("a"))
    competition.starts_at = timezone.now() - timedelta(days=3)
    competition.ends_at = timezone.now() - timedelta(days=1)
    competition.save()
    response = join(make_user("b"), team)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "competition_ended"


@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_cannot_overfill_a_team():
    cache.clear()
    competition = make_competition("race", make_user("host"), max_team_size=2)
    team = make_team(competition, "Pair", make_user("founder"))
    joiners = [make_user(f"j{i}") for i in range(5)]
    start = threading.Barrier(len(joiners))
    statuses: list[int] = []

    def attempt(user):
        try:
            start.wait(timeout=10)
            statuses.append(join(user, team).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in joiners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [201, 409, 409, 409, 409]
    assert team.memberships.count() == 2


def test_a_host_cannot_compete_in_their_competition(competition):
    host = get_user_model().objects.get(username="host")
    response = client_for(host).post("/api/v1/competitions/teams/teams/", {"name": "Insiders"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "host_cannot_compete"
    team = make_team(competition, "T", make_user("a"))
    assert join(host, team).status_code == 409
    assert not TeamMembership.objects.filter(user=host).exists()


def test_a_participant_cannot_be_made_host_of_the_competition(competition):
    make_team(competition, "T", make_user("alice"))
    response = client_for(get_user_model().objects.get(username="host")).post(
        "/api/v1/competitions/teams/role-bindings/", {"user": "alice", "role": "competition-host"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "participant_cannot_host"
