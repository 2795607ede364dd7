"""Every caller role x every endpoint x own / foreign object, with the exact status code.

Callers (columns, in this order): anonymous, outsider (no bindings), other_participant (member of team B),
member (member of team A), other_host (host of the private competition ``secret``), host (host of ``open``),
admin (platform-admin).

Targets: ``open`` is the public competition of member and host, ``secret`` a private one foreign to them;
``team_a`` / ``submission_a`` belong to member, ``team_b`` / ``submission_b`` to other_participant.

Rules exercised: an object the caller may not see answers 404; an action on an object the caller may see but
not perform answers 403 (401 for anonymous callers); an allowed action may still be refused by a rule of the
domain (409: already in a team, a host competing, not a member, no team, submissions exist).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from .conftest import CALLERS, World
from .factories import all_correct, csv_upload, predictions_csv
from .openapi_contract import OpenApiContract

GROUND_TRUTH_CSV = "id,expected,usage\nx,cat,Public\ny,dog,Private\n"


@dataclass(frozen=True)
class Endpoint:
    method: str
    url: Callable[[World, str], str]
    body: Callable[[World, str], dict[str, Any]] | None = None
    multipart: bool = False


def competition_url(suffix: str = "") -> Callable[[World, str], str]:
    return lambda world, target: f"/api/v1/competitions/{getattr(world, target).slug}/{suffix}"


def team_url(suffix: str = "") -> Callable[[World, str], str]:
    def url(world: World, target: str) -> str:
        team = getattr(world, target)
        return f"/api/v1/competitions/{team.competition.slug}/teams/{team.pk}/{suffix}"

    return url


def submission_url(world: World, target: str) -> str:
    return f"/api/v1/competitions/open/submissions/{getattr(world, target).pk}/"


def final_url(world: World, target: str) -> str:
    return f"{submission_url(world, target)}final/"


def binding_url(world: World, target: str) -> str:
    binding = getattr(world, target)
    return f"/api/v1/competitions/{binding.competition.slug}/role-bindings/{binding.pk}/"


ENDPOINTS: dict[str, Endpoint] = {
    "competitions.list": Endpoint("get", lambda world, target: "/api/v1/competitions/"),
    "competitions.create": Endpoint(
        "post",
        lambda world, target: "/api/v1/competitions/",
        lambda world, target: {
            "slug": "brand-new",
            "title": "Brand new",
            "starts_at": "2030-01-01T00:00:00Z",
            "ends_at": "2030-02-01T00:00:00Z",
            "metric": "rmse",
        },
    ),
    "competition.get": Endpoint("get", competition_url()),
    "competition.patch": Endpoint("patch", competition_url(), lambda world, target: {"title": "Renamed"}),
    "competition.delete": Endpoint("delete", competition_url()),
    "groundtruth.get": Endpoint("get", competition_url("ground-truth/")),
    "groundtruth.upload": Endpoint(
        "post",
        competition_url("ground-truth/"),
        lambda world, target: {"file": csv_upload(GROUND_TRUTH_CSV, "truth.csv")},
        multipart=True,
    ),
    "teams.list": Endpoint("get", competition_url("teams/")),
    "teams.create": Endpoint("post", competition_url("teams/"), lambda world, target: {"name": "Newcomers"}),
    "team.get": Endpoint("get", team_url()),
    "team.join": Endpoint(
        "post", team_url("join/"), lambda world, target: {"invite_code": getattr(world, target).invite_code}
    ),
    "team.leave": Endpoint("post", team_url("leave/")),
    "submissions.list": Endpoint("get", competition_url("submissions/")),
    "submissions.create": Endpoint(
        "post",
        competition_url("submissions/"),
        lambda world, target: {"file": csv_upload(predictions_csv(all_correct()))},
        multipart=True,
    ),
    "submission.get": Endpoint("get", submission_url),
    "submission.delete": Endpoint("delete", submission_url),
    "submission.final.mark": Endpoint("post", final_url),
    "submission.final.unmark": Endpoint("delete", final_url),
    "leaderboard.public": Endpoint("get", competition_url("leaderboard/?board=public")),
    "leaderboard.private": Endpoint("get", competition_url("leaderboard/?board=private")),
    "rolebindings.list": Endpoint("get", competition_url("role-bindings/")),
    "rolebindings.create": Endpoint(
        "post",
        competition_url("role-bindings/"),
        lambda world, target: {"user": "newcomer", "role": "competition-participant"},
    ),
    "rolebinding.get": Endpoint("get", binding_url),
    "rolebinding.delete": Endpoint("delete", binding_url),
    "auditlog.list": Endpoint("get", competition_url("audit-log/")),
}

#                      anonymous outsider other_participant member other_host host admin
MATRIX: dict[str, dict[str, str]] = {
    "competitions.list": {"-": "200 200 200 200 200 200 200"},
    "competitions.create": {"-": "401 403 403 403 403 403 201"},
    "competition.get": {"open": "200 200 200 200 200 200 200", "secret": "404 404 404 404 200 404 200"},
    "competition.patch": {"open": "401 403 403 403 403 200 200", "secret": "404 404 404 404 200 404 200"},
    "competition.delete": {"open": "401 403 403 403 403 204 204", "secret": "404 404 404 404 204 404 204"},
    "groundtruth.get": {"open": "401 403 403 403 403 200 200", "secret": "404 404 404 404 200 404 200"},
    # open already has submissions: hosts pass the check, then the domain refuses (409).
    "groundtruth.upload": {"open": "401 403 403 403 403 409 409", "secret": "404 404 404 404 201 404 201"},
    "teams.list": {"open": "200 200 200 200 200 200 200", "secret": "404 404 404 404 200 404 200"},
    # Insiders (hosts, admins: whoever reads the ground truth or private board) may not compete (409); users in a
    # team already (409).
    "teams.create": {"open": "401 201 409 409 201 409 409", "secret": "404 404 404 404 409 404 409"},
    "team.get": {
        "team_a": "200 200 200 200 200 200 200",
        "team_b": "200 200 200 200 200 200 200",
        "team_secret": "404 404 404 404 200 404 200",
    },
    "team.join": {
        "team_a": "401 201 409 409 201 409 409",
        "team_b": "401 201 409 409 201 409 409",
        "team_secret": "404 404 404 404 409 404 409",
    },
    "team.leave": {
        # The teams have submitted: members stay with their submissions (409), so the daily limit cannot be reset.
        "team_a": "401 403 403 409 403 403 409",
        "team_b": "401 403 409 403 403 403 409",
        "team_secret": "404 404 404 404 403 404 409",
    },
    "submissions.list": {"open": "200 200 200 200 200 200 200", "secret": "404 404 404 404 200 404 200"},
    "submissions.create": {"open": "401 403 201 201 403 403 409", "secret": "404 404 404 404 403 404 409"},
    "submission.get": {
        "submission_a": "404 404 404 200 404 200 200",
        "submission_b": "404 404 200 404 404 200 200",
    },
    "submission.delete": {
        "submission_a": "404 404 404 204 404 204 204",
        "submission_b": "404 404 204 404 404 204 204",
    },
    # Only the team's members choose its final submissions: hosts may see them but not choose (403), insiders may
    # not compete (admin: 409).
    "submission.final.mark": {
        "submission_a": "404 404 404 200 404 403 409",
        "submission_b": "404 404 200 404 404 403 409",
    },
    "submission.final.unmark": {
        "submission_a": "404 404 404 200 404 403 409",
        "submission_b": "404 404 200 404 404 403 409",
    },
    "leaderboard.public": {"open": "200 200 200 200 200 200 200", "secret": "404 404 404 404 200 404 200"},
    "leaderboard.private": {"open": "401 403 403 403 403 200 200", "secret": "404 404 404 404 200 404 200"},
    "rolebindings.list": {"open": "401 403 403 403 403 200 200", "secret": "404 404 404 404 200 404 200"},
    "rolebindings.create": {"open": "401 403 403 403 403 201 201", "secret": "404 404 404 404 201 404 201"},
    "rolebinding.get": {
        "invitee_binding_open": "404 404 404 404 404 200 200",
        "invitee_binding_secret": "404 404 404 404 200 404 200",
    },
    "rolebinding.delete": {
        "invitee_binding_open": "404 404 404 404 404 204 204",
        "invitee_binding_secret": "404 404 404 404 204 404 204",
    },
    "auditlog.list": {"open": "401 403 403 403 403 200 200", "secret": "404 404 404 404 200 404 200"},
}

CASES = [
    pytest.param(endpoint, target, caller, int(code), id=f"{endpoint}-{target}-{caller}")
    for endpoint, targets in MATRIX.items()
    for target, codes in targets.items()
    for caller, code in zip(CALLERS, codes.split(), strict=True)
]


def test_the_matrix_covers_every_endpoint():
    assert set(MATRIX) == set(ENDPOINTS)


@pytest.mark.parametrize(("endpoint", "target", "caller", "expected"), CASES)
def test_status_code(
    world: World, openapi: OpenApiContract, endpoint: str, target: str, caller: str, expected: int
) -> None:
    spec = ENDPOINTS[endpoint]
    client = world.client(caller)
    kwargs: dict[str, Any] = {}
    if spec.body is not None:
        kwargs["data"] = spec.body(world, target)
        kwargs["format"] = "multipart" if spec.multipart else "json"
    response = getattr(client, spec.method)(spec.url(world, target), **kwargs)
    assert response.status_code == expected, response.content[:500]
    if expected >= 400:
        assert set(response.json()["error"]) == {"code", "message", "details"}
    openapi.check(response)  # documented, and as documented
