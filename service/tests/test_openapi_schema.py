"""The OpenAPI schema tells the truth: real responses of every endpoint, successes and errors, match it.

The authorization matrix checks each of its responses against the schema (``openapi.check``); this module adds
what the matrix does not send (invalid input, bad tokens, throttles, pages) and checks that together they reach
every operation with a success and an error.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from access.models import RoleBinding

from .conftest import World
from .factories import client_for, csv_upload, make_team, make_user, upload_predictions
from .openapi_contract import OpenApiContract
from .test_authorization_matrix import ENDPOINTS, MATRIX

LISTS = {
    "/api/v1/competitions/": "Competition",
    "/api/v1/competitions/{slug}/teams/": "Team",
    "/api/v1/competitions/{slug}/submissions/": "Submission",
    "/api/v1/competitions/{slug}/role-bindings/": "RoleBinding",
    "/api/v1/competitions/{slug}/audit-log/": "AuditEvent",
}
PAGED_URLS = [
    "/api/v1/competitions/",
    "/api/v1/competitions/open/teams/",
    "/api/v1/competitions/open/submissions/",
    "/api/v1/competitions/open/role-bindings/",
    "/api/v1/competitions/open/audit-log/",
    "/api/v1/competitions/open/leaderboard/",
]
COMPETITION = {"slug": "new", "title": "New", "metric": "mae"}
TOKEN = "/api/v1/auth/token/"
LEAVE = "/api/v1/competitions/{slug}/teams/{team_id}/leave/"


def test_the_five_lists_are_documented_as_pages(openapi: OpenApiContract):
    for path, item in LISTS.items():
        schema = openapi.operation("get", path.replace("{slug}", "x")).spec["responses"]["200"]["content"]
        page = openapi.document["components"]["schemas"][f"Paginated{item}List"]
        assert schema["application/json"]["schema"] == {"$ref": f"#/components/schemas/Paginated{item}List"}
        assert set(page["required"]) == {"count", "next", "previous", "results"}
        assert page["properties"]["results"]["items"] == {"$ref": f"#/components/schemas/{item}"}


def test_every_error_response_is_documented_with_the_error_shape(openapi: OpenApiContract):
    error = openapi.document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(openapi.document["components"]["schemas"]["ErrorBody"]["required"]) == {"code", "message", "details"}
    for operation in openapi.operations:
        errors = {status: spec for status, spec in operation.spec["responses"].items() if int(status) >= 400}
        assert {401} <= {int(status) for status in errors}, f"{operation.method} {operation.path}"
        for status, spec in errors.items():
            reference = spec["content"]["application/json"]["schema"]
            assert reference == {"$ref": "#/components/schemas/Error"}, f"{operation.method} {operation.path} {status}"


def test_page_parameters_are_documented_with_their_bounds(openapi: OpenApiContract):
    for url in PAGED_URLS:
        parameters = {p["name"]: p["schema"] for p in openapi.operation("get", url).spec["parameters"]}
        assert parameters["page"] == {"type": "integer", "minimum": 1, "default": 1}
        assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}


def test_the_end_after_the_start_is_documented(openapi: OpenApiContract):
    for component in ("Competition", "CompetitionRequest", "PatchedCompetitionUpdateRequest"):
        assert (
            "Strictly after starts_at"
            in openapi.document["components"]["schemas"][component]["properties"]["ends_at"]["description"]
        )


NOT_WHOLE_NUMBERS_IN_RANGE = [("page", value) for value in ("abc", "0", "-1", "1.5", "last", "", "１")] + [
    ("page_size", value) for value in ("abc", "0", "101", " 5", "", "1e2")
]


@pytest.mark.parametrize("url", PAGED_URLS)
def test_page_parameters_that_are_not_whole_numbers_in_range_are_refused(
    world: World, openapi: OpenApiContract, url: str
):
    for parameter, value in NOT_WHOLE_NUMBERS_IN_RANGE:
        response = world.client("host").get(url, {parameter: value})
        assert response.status_code == 400, (parameter, value)
        assert list(response.json()["error"]["details"]) == [parameter]
        openapi.check(response)


@pytest.mark.parametrize("url", PAGED_URLS)
def test_pages_in_range_are_served_and_a_page_past_the_end_is_a_404(world: World, openapi: OpenApiContract, url: str):
    client = world.client("host")
    first = client.get(url, {"page": "1", "page_size": "1"})
    assert first.status_code == 200
    assert len(first.json()["results"]) == 1
    openapi.check(first)
    assert client.get(url, {"page_size": "100"}).status_code == 200
    beyond = client.get(url, {"page": "999"})
    assert beyond.status_code == 404
    openapi.check(beyond)


def post_competition(world: World, body: dict[str, Any]) -> Any:
    return world.client("admin").post("/api/v1/competitions/", body, format="json")


@pytest.mark.parametrize("method", ["post", "patch"])
def test_an_end_equal_to_the_start_is_refused_as_documented(world: World, openapi: OpenApiContract, method: str):
    moment = "2030-01-01T00:00:00Z"
    if method == "post":
        response = post_competition(world, {**COMPETITION, "starts_at": moment, "ends_at": moment})
    else:
        starts_at = world.open.starts_at.isoformat()
        response = world.client("host").patch("/api/v1/competitions/open/", {"ends_at": starts_at}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["ends_at"]
    openapi.check(response)


def invalid_requests(world: World) -> list[tuple[str, str, str, dict[str, Any] | None, str]]:
    """(caller, method, url, body, format): one request per operation that documents a 400, each invalid."""
    team_member_binding = RoleBinding.objects.get(team=world.team_a)
    team = world.team_a.pk
    return [
        ("anonymous", "post", "/api/v1/auth/token/", {"username": "x"}, "json"),
        ("admin", "post", "/api/v1/competitions/", {"slug": "bad slug!"}, "json"),
        ("host", "patch", "/api/v1/competitions/open/", {"daily_submission_limit": 0}, "json"),
        ("other_host", "post", "/api/v1/competitions/secret/ground-truth/", {"file": csv_upload("id\n")}, "multipart"),
        ("newcomer", "post", "/api/v1/competitions/open/teams/", {"name": ""}, "json"),
        ("newcomer", "post", f"/api/v1/competitions/open/teams/{team}/join/", {}, "json"),
        (
            "member",
            "post",
            "/api/v1/competitions/open/submissions/",
            {"file_name": "predictions.txt", "size_bytes": 0},
            "json",
        ),
        ("host", "post", "/api/v1/competitions/open/role-bindings/", {"user": "nobody", "role": "x"}, "json"),
        ("admin", "delete", f"/api/v1/competitions/open/role-bindings/{team_member_binding.pk}/", None, "json"),
        ("host", "get", "/api/v1/competitions/open/leaderboard/?board=final", None, "json"),
    ]


def test_invalid_input_answers_400_as_documented(world: World, openapi: OpenApiContract):
    cache.clear()  # the token throttle of other tests
    for caller, method, url, body, body_format in invalid_requests(world):
        kwargs: dict[str, Any] = {} if body is None else {"data": body, "format": body_format}
        response = getattr(world.client(caller), method)(url, **kwargs)
        assert response.status_code == 400, (method, url, response.content[:300])
        openapi.check(response)


def test_a_token_that_is_not_valid_is_a_documented_401_everywhere(world: World, openapi: OpenApiContract):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    for name, endpoint in ENDPOINTS.items():
        target = next(iter(MATRIX[name]))
        response = getattr(client, endpoint.method)(endpoint.url(world, target))
        assert response.status_code == 401, name
        openapi.check(response)


def test_throttles_and_the_daily_limit_answer_429_as_documented(world: World, openapi: OpenApiContract, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"token": "1/minute", "submissions": "30/minute", "denied_writes": "1/minute"},
    )
    anonymous = client_for(None)
    anonymous.post("/api/v1/auth/token/", {"username": "member", "password": "x"}, format="json")
    token = anonymous.post("/api/v1/auth/token/", {"username": "member", "password": "x"}, format="json")
    outsider = world.client("outsider")
    outsider.delete(f"/api/v1/competitions/open/submissions/{world.submission_a.pk}/")  # 404: not a refused write
    outsider.patch("/api/v1/competitions/open/", {"title": "x"}, format="json")
    refused = outsider.patch("/api/v1/competitions/open/", {"title": "x"}, format="json")
    world.open.daily_submission_limit = 1
    world.open.save()
    upload = upload_predictions(world.client("member"), "open")
    for response, code in ((token, "throttled"), (refused, "throttled"), (upload, "daily_limit_reached")):
        assert (response.status_code, response.json()["error"]["code"]) == (429, code)
        openapi.check(response)
    cache.clear()


def test_every_operation_is_reached_with_a_success_and_an_error(world: World, openapi: OpenApiContract):
    """What the matrix sends (each of its responses is checked there) plus this module's 401 for every endpoint and
    its token requests, by operation."""
    reached: dict[tuple[str, str], set[int]] = {}
    for name, endpoint in ENDPOINTS.items():
        for target, codes in MATRIX[name].items():
            operation = openapi.operation(endpoint.method, endpoint.url(world, target).split("?")[0])
            statuses = reached.setdefault((operation.method, operation.path), set())
            statuses.update(int(code) for code in codes.split())
            statuses.add(401)  # test_a_token_that_is_not_valid_is_a_documented_401_everywhere
    reached[("post", TOKEN)] = {200, 400, 401, 429}  # not in the matrix: see test_the_token_endpoint_...
    reached[("post", LEAVE)].add(204)  # the matrix's teams have submitted: see test_leaving_a_team_...
    assert set(reached) == {(operation.method, operation.path) for operation in openapi.operations}
    for method_and_path, statuses in reached.items():
        assert any(status < 300 for status in statuses), method_and_path
        assert any(status >= 400 for status in statuses), method_and_path


def test_a_new_team_answers_as_documented(world: World, openapi: OpenApiContract):
    """A success body with every optional part filled in (members, invite code)."""
    team = make_team(world.open, "Filled", make_user("first"), make_user("second"))
    response = client_for(team.members.first()).get(f"/api/v1/competitions/open/teams/{team.pk}/")
    assert response.json()["invite_code"]
    openapi.check(response)


def test_the_token_endpoint_answers_as_documented(world: World, openapi: OpenApiContract):
    cache.clear()
    issued = client_for(None).post(TOKEN, {"username": "member", "password": "pw-member"}, format="json")
    wrong = client_for(None).post(TOKEN, {"username": "member", "password": "wrong"}, format="json")
    assert (issued.status_code, wrong.status_code) == (200, 401)
    openapi.check(issued)
    openapi.check(wrong)
    cache.clear()


def test_leaving_a_team_answers_as_documented(world: World, openapi: OpenApiContract):
    leaver = make_user("leaver")
    team = make_team(world.open, "Unsubmitted", make_user("stays"), leaver)
    response = client_for(leaver).post(f"/api/v1/competitions/open/teams/{team.pk}/leave/")
    assert response.status_code == 204
    assert openapi.check(response).path == LEAVE


class FakeResponse:
    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        self.request = {"REQUEST_METHOD": method, "PATH_INFO": path}
        self.status_code = status
        self._body = body
        self.content = json.dumps(body).encode() if body is not None else b""

    def __getitem__(self, header: str) -> str:
        return "application/json"

    def json(self) -> Any:
        return self._body


TINY = {
    "paths": {
        "/things/{id}/": {
            "get": {
                "responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "204": {},
                }
            }
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "note": {"type": "string", "nullable": True}},
            }
        }
    },
}


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        (200, [{"name": "a"}], "is not of type 'object'"),  # a list where the schema says object
        (200, {"name": "a", "secret": 1}, "Additional properties"),  # a field the schema does not name
        (200, {}, "'name' is a required property"),
        (404, {"error": {}}, "is not documented"),
        (204, {"name": "a"}, "documented without a body"),
    ],
)
def test_the_contract_refuses_what_the_schema_does_not_say(status: int, body: Any, problem: str):
    with pytest.raises(AssertionError, match=problem):
        OpenApiContract(TINY).check(FakeResponse("GET", "/things/7/", status, body))


def test_the_contract_accepts_what_the_schema_says():
    contract = OpenApiContract(TINY)
    assert contract.check(FakeResponse("GET", "/things/7/", 200, {"name": "a", "note": None})).path == "/things/{id}/"
    with pytest.raises(AssertionError, match="not in the schema"):
        contract.check(FakeResponse("GET", "/other/", 200, {}))


def test_a_slug_taken_meanwhile_is_the_documented_400_not_a_500(world: World, openapi: OpenApiContract, monkeypatch):
    """Two creations of one new slug at once both pass the serializer's uniqueness check; the second insert fails
    in the database and answers like the check would have (simulated: the check lets the slug through)."""
    from rest_framework.validators import UniqueValidator

    monkeypatch.setattr(UniqueValidator, "__call__", lambda self, value, serializer_field: None)
    taken = {**COMPETITION, "slug": "open", "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-02-01T00:00:00Z"}

    response = post_competition(world, taken)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "a competition with this slug already exists"  # from the service, not the check
    assert error["details"] == {"slug": ["competition with this slug already exists."]}
    openapi.check(response)
