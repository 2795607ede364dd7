"""RBAC behaviours beyond the status-code matrix: filtering, escalation, scope checks and the audit log."""

from __future__ import annotations

from access.authorizer import Authorizer
from access.builtin_roles import COMPETITION_HOST, COMPETITION_PARTICIPANT
from access.models import AuditEvent, Role, RoleBinding

from .conftest import World
from .factories import (
    all_correct,
    bind,
    client_for,
    csv_upload,
    make_competition,
    make_team,
    make_user,
    predictions_csv,
    submit,
)


def slugs(response) -> list[str]:
    return sorted(item["slug"] for item in response.json()["results"])


class TestListsShowOnlyWhatTheCallerMaySee:
    def test_competitions(self, world: World):
        assert slugs(world.client("anonymous").get("/api/v1/competitions/")) == ["open"]
        assert slugs(world.client("host").get("/api/v1/competitions/")) == ["open"]
        assert slugs(world.client("other_host").get("/api/v1/competitions/")) == ["open", "secret"]
        assert slugs(world.client("admin").get("/api/v1/competitions/")) == ["open", "secret"]
        assert slugs(world.client_for_user(world.users["invitee"]).get("/api/v1/competitions/")) == [
            "open",
            "secret",
        ]

    def test_submissions_of_a_participant_are_their_teams(self, world: World):
        ids = [s["id"] for s in world.client("member").get("/api/v1/competitions/open/submissions/").json()["results"]]
        assert ids == [world.submission_a.pk]

    def test_submissions_of_a_host_are_all(self, world: World):
        body = world.client("host").get("/api/v1/competitions/open/submissions/").json()
        assert sorted(s["id"] for s in body["results"]) == sorted([world.submission_a.pk, world.submission_b.pk])

    def test_outsiders_list_no_submissions(self, world: World):
        assert world.client("outsider").get("/api/v1/competitions/open/submissions/").json()["count"] == 0

    def test_only_members_see_their_invite_code(self, world: World):
        teams = world.client("member").get("/api/v1/competitions/open/teams/").json()["results"]
        codes = {team["name"]: team["invite_code"] for team in teams}
        assert codes == {"Team A": world.team_a.invite_code, "Team B": None}


class TestEscalation:
    def test_a_host_may_grant_host_in_their_competition(self, world: World):
        response = world.client("host").post(
            "/api/v1/competitions/open/role-bindings/", {"user": "newcomer", "role": COMPETITION_HOST}
        )
        assert response.status_code == 201
        assert response.json()["role"] == COMPETITION_HOST

    def test_nobody_grants_a_role_carrying_more_than_they_hold(self, world: World):
        Role.objects.create(
            name="submitter",
            rules=[{"resources": ["submissions"], "verbs": ["create"]}],
            bindable_scopes=["competition"],
        )
        response = world.client("host").post(
            "/api/v1/competitions/open/role-bindings/", {"user": "newcomer", "role": "submitter"}
        )
        assert response.status_code == 403
        assert "escalation rule" in response.json()["error"]["message"]
        event = AuditEvent.objects.get(action="rolebinding.create", decision="deny")
        assert "does not hold create submissions" in event.reason
        assert not RoleBinding.objects.filter(user=world.users["newcomer"]).exists()

    def test_platform_roles_cannot_be_bound_in_a_competition(self, world: World):
        response = world.client("host").post(
            "/api/v1/competitions/open/role-bindings/", {"user": "newcomer", "role": "platform-admin"}
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_scope"

    def test_the_managed_team_member_role_is_not_granted_by_hand(self, world: World):
        response = world.client("admin").post(
            "/api/v1/competitions/open/role-bindings/",
            {"user": "newcomer", "role": "team-member", "team": world.team_a.pk},
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "managed_role"

    def test_the_last_host_cannot_be_removed(self, world: World):
        binding = RoleBinding.objects.get(competition=world.open, role__name=COMPETITION_HOST)
        response = world.client("admin").delete(f"/api/v1/competitions/open/role-bindings/{binding.pk}/")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "last_host"

    def test_a_duplicate_binding_is_a_conflict(self, world: World):
        response = world.client("host").post(
            "/api/v1/competitions/open/role-bindings/", {"user": "invitee", "role": COMPETITION_PARTICIPANT}
        )
        assert response.status_code == 409


class TestIdsInBodiesAreCheckedAgainstTheUrl:
    def test_a_team_of_another_competition_is_refused(self, world: World):
        response = world.client("admin").post(
            "/api/v1/competitions/open/role-bindings/",
            {"user": "newcomer", "role": COMPETITION_PARTICIPANT, "team": world.team_secret.pk},
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_team"

    def test_a_binding_of_another_competition_is_not_found_under_this_one(self, world: World):
        url = f"/api/v1/competitions/open/role-bindings/{world.invitee_binding_secret.pk}/"
        assert world.client("admin").delete(url).status_code == 404
        assert RoleBinding.objects.filter(pk=world.invitee_binding_secret.pk).exists()

    def test_a_submission_of_another_competition_is_not_found_under_this_one(self, world: World):
        secret_sub = submit(world.secret, world.team_secret, world.team_secret.memberships.get().user, all_correct())
        assert world.client("admin").get(f"/api/v1/competitions/open/submissions/{secret_sub.pk}/").status_code == 404

    def test_a_team_of_another_competition_is_not_found_under_this_one(self, world: World):
        url = f"/api/v1/competitions/open/teams/{world.team_secret.pk}/"
        assert world.client("admin").get(url).status_code == 404


class TestAuditLog:
    def test_joins_submissions_and_grants_are_logged_with_the_binding_that_allowed_them(self, world: World):
        world.client("member").post(
            "/api/v1/competitions/open/submissions/",
            {"file": csv_upload(predictions_csv(all_correct()))},
            format="multipart",
        )
        newcomer = client_for(world.users["newcomer"])
        newcomer.post(
            f"/api/v1/competitions/open/teams/{world.team_a.pk}/join/",
            {"invite_code": world.team_a.invite_code},
        )
        world.client("host").post(
            "/api/v1/competitions/open/role-bindings/", {"user": "outsider", "role": COMPETITION_PARTICIPANT}
        )
        events = world.client("host").get("/api/v1/competitions/open/audit-log/").json()["results"]
        by_action = {event["action"]: event for event in events}
        assert by_action["team.join"]["actor"] == "newcomer"
        assert (
            by_action["team.join"]["reason"] == "allowed by the implicit role system:authenticated (public competition)"
        )
        host_binding = RoleBinding.objects.get(competition=world.open, role__name=COMPETITION_HOST)
        assert by_action["rolebinding.create"]["reason"] == (
            f"allowed by role binding #{host_binding.pk} (role competition-host on competition {world.open.pk})"
        )
        assert by_action["rolebinding.create"]["details"]["user"] == "outsider"
        member_binding = RoleBinding.objects.get(user=world.users["member"], role__name="team-member")
        # newest first: the submission made through the API above
        submission_event = next(e for e in events if e["action"] == "submission.create" and e["actor"] == "member")
        assert f"role binding #{member_binding.pk}" in submission_event["reason"]

    def test_denied_changes_are_logged_with_the_reason(self, world: World):
        world.client("outsider").post("/api/v1/competitions/open/submissions/", {}, format="multipart")
        event = AuditEvent.objects.get(action="submission.create", decision="deny")
        assert event.actor_username == "outsider"
        assert "no role binding of the user outsider grants create on submissions" in event.reason

    def test_a_wrong_invite_code_is_logged_as_denied(self, world: World):
        response = world.client("outsider").post(
            f"/api/v1/competitions/open/teams/{world.team_a.pk}/join/", {"invite_code": "guess"}
        )
        assert response.status_code == 403
        assert AuditEvent.objects.get(action="team.join", decision="deny").actor_username == "outsider"

    def test_the_log_of_a_competition_shows_only_its_events(self, world: World):
        events = world.client("other_host").get("/api/v1/competitions/secret/audit-log/").json()["results"]
        assert events and {event["competition"] for event in events} == {"secret"}


def test_bindings_are_loaded_once_per_request(db, django_assert_num_queries):
    user = make_user("u")
    competition = make_competition("c", make_user("h"))
    make_team(competition, "T", user)
    authz = Authorizer(user)
    with django_assert_num_queries(1):
        for _ in range(5):
            authz.can("get", "submissions", competition, 1)
            authz.permissions_in(competition)


def test_leaving_a_team_removes_its_binding(db):
    user = make_user("u")
    competition = make_competition("c", make_user("h"))
    team = make_team(competition, "T", user)
    assert client_for(user).post(f"/api/v1/competitions/c/teams/{team.pk}/leave/").status_code == 204
    assert not RoleBinding.objects.filter(user=user).exists()
    assert client_for(user).get("/api/v1/competitions/c/submissions/").json()["count"] == 0


def test_private_competitions_need_a_binding(db):
    competition = make_competition("hidden", make_user("h"), visibility="private")
    user = make_user("u")
    assert not Authorizer(user).can("get", "competitions", competition)
    bind(user, COMPETITION_PARTICIPANT, competition)
    assert Authorizer(user).can("get", "competitions", competition)
