"""Who may compete: nobody who can read a competition's ground truth or private board before its end (a host, a
platform admin, any role carrying those permissions), whatever the role is called."""

from __future__ import annotations

import pytest

from access.builtin_roles import COMPETITION_HOST, PLATFORM_ADMIN
from access.models import Role

from .factories import bind, client_for, make_competition, make_team, make_user, upload_predictions
from .upload_flow import GOOD, ask_ticket


@pytest.fixture
def competition(db):
    return make_competition("fair", make_user("host"))


def create_team(user, slug: str = "fair"):
    return client_for(user).post(f"/api/v1/competitions/{slug}/teams/", {"name": f"Team of {user.username}"})


def join(user, team):
    return client_for(user).post(f"/api/v1/competitions/fair/teams/{team.pk}/join/", {"invite_code": team.invite_code})


def upload(user):
    return upload_predictions(client_for(user), "fair")


def refused_as_insider(response, permission: str) -> bool:
    error = response.json()["error"]
    return (response.status_code, error["code"], error["details"]) == (
        409,
        "host_cannot_compete",
        {"permission": permission},
    )


def custom_role(name: str, resource: str) -> Role:
    return Role.objects.create(
        name=name, rules=[{"resources": [resource], "verbs": ["get"]}], bindable_scopes=["competition"]
    )


def test_a_platform_admin_cannot_create_a_team(competition):
    admin = make_user("admin")
    bind(admin, PLATFORM_ADMIN)
    assert refused_as_insider(create_team(admin), "get groundtruth")


def test_a_platform_admin_cannot_join_a_team(competition):
    admin = make_user("admin")
    bind(admin, PLATFORM_ADMIN)
    team = make_team(competition, "T", make_user("alice"))
    assert refused_as_insider(join(admin, team), "get groundtruth")
    assert list(team.memberships.values_list("user__username", flat=True)) == ["alice"]


@pytest.mark.parametrize(
    ("resource", "permission"),
    [("groundtruth", "get groundtruth"), ("leaderboards/private", "get leaderboards/private")],
)
def test_any_role_that_reads_the_answers_or_the_final_ranking_makes_an_insider(competition, resource, permission):
    auditor = make_user("auditor")
    bind(auditor, custom_role("auditor", resource).name, competition)
    assert refused_as_insider(create_team(auditor), permission)


def test_a_member_who_became_platform_admin_cannot_submit(competition):
    alice = make_user("alice")
    team = make_team(competition, "T", alice)
    bind(alice, PLATFORM_ADMIN)  # in the Django admin, after joining

    assert refused_as_insider(upload(alice), "get groundtruth")
    assert not team.submissions.exists()
    assert not team.has_submitted()  # the refusal took no daily slot


@pytest.mark.parametrize("ticket", [False, True], ids=["multipart", "ticket"])
def test_a_platform_admin_without_a_team_is_told_they_may_not_compete_not_that_they_lack_a_team(competition, ticket):
    """(A host without a team gets 403: its role may not create submissions at all.)"""
    admin = make_user("admin")
    bind(admin, PLATFORM_ADMIN)
    response = ask_ticket(client_for(admin), "fair", GOOD) if ticket else upload(admin)
    assert refused_as_insider(response, "get groundtruth")


def test_an_insider_of_another_competition_competes_here(competition):
    other = make_competition("other", make_user("other-host"))
    auditor = make_user("auditor")
    bind(auditor, COMPETITION_HOST, other)
    assert create_team(auditor).status_code == 201
    assert upload(auditor).status_code == 201


def test_a_competitor_cannot_be_given_a_role_that_reads_the_private_board(competition):
    make_team(competition, "T", make_user("alice"))
    custom_role("board-reader", "leaderboards/private")
    host = competition.role_bindings.get(role__name=COMPETITION_HOST).user

    response = client_for(host).post(
        "/api/v1/competitions/fair/role-bindings/", {"user": "alice", "role": "board-reader"}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "participant_cannot_host"
