"""Tokens, the schema and docs, JSON-only errors with a stable shape, throttling with shared counters."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection

from .factories import client_for, make_competition, make_user


@pytest.fixture
def alice(db):
    return make_user("alice")


def test_a_token_is_issued_for_a_username_and_password(alice):
    response = client_for(None).post("/api/v1/auth/token/", {"username": "alice", "password": "pw-alice"})
    assert response.status_code == 200
    token = response.json()["token"]
    me = client_for(None)
    me.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert me.get("/api/v1/competitions/").status_code == 200


def test_wrong_credentials_are_a_401_in_the_error_shape(alice):
    response = client_for(None).post("/api/v1/auth/token/", {"username": "alice", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_an_invalid_token_is_a_401(db):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/competitions/").status_code == 401


def test_token_requests_are_throttled_with_counters_in_the_database_cache(alice, settings):
    for _ in range(10):
        client_for(None).post("/api/v1/auth/token/", {"username": "alice", "password": "nope"})
    response = client_for(None).post("/api/v1/auth/token/", {"username": "alice", "password": "pw-alice"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    with connection.cursor() as cursor:  # shared by every task: a row in the cache table, not process memory
        cursor.execute("SELECT count(*) FROM django_cache WHERE cache_key LIKE %s", ["%throttle_token%"])
        assert cursor.fetchone()[0] == 1
    cache.clear()


def test_submission_uploads_are_throttled_but_reads_are_not(alice, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"submissions": "2/minute", "token": "10/minute"})
    make_competition("c", make_user("h"))
    client = client_for(alice)
    for _ in range(3):
        assert client.get("/api/v1/competitions/c/submissions/").status_code == 200
    codes = [client.post("/api/v1/competitions/c/submissions/", {}, format="multipart").status_code for _ in range(3)]
    assert codes == [403, 403, 429]


def test_unknown_urls_answer_json_404(db):
    response = client_for(None).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "details": {}}}


def test_production_answers_json_even_to_browsers(db):
    response = client_for(None).get("/api/v1/competitions/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"


def test_validation_errors_list_the_fields(db):
    admin = make_user("admin")
    from access.builtin_roles import PLATFORM_ADMIN

    from .factories import bind

    bind(admin, PLATFORM_ADMIN)
    response = client_for(admin).post("/api/v1/competitions/", {"slug": "x"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert {"title", "starts_at", "ends_at", "metric"} <= set(error["details"])


def test_a_competition_must_end_after_it_starts(db):
    admin = make_user("admin")
    from access.builtin_roles import PLATFORM_ADMIN

    from .factories import bind

    bind(admin, PLATFORM_ADMIN)
    body = {
        "slug": "x",
        "title": "X",
        "metric": "mae",
        "starts_at": "2030-02-01T00:00:00Z",
        "ends_at": "2030-01-01T00:00:00Z",
    }
    response = client_for(admin).post("/api/v1/competitions/", body, format="json")
    assert response.status_code == 400
    assert "ends_at" in response.json()["error"]["details"]


def test_the_creator_of_a_competition_becomes_its_host(db):
    from access.builtin_roles import COMPETITION_ORGANIZER

    from .factories import bind

    organizer = make_user("org")
    bind(organizer, COMPETITION_ORGANIZER)
    body = {
        "slug": "mine",
        "title": "Mine",
        "metric": "mae",
        "starts_at": "2030-01-01T00:00:00Z",
        "ends_at": "2030-02-01T00:00:00Z",
    }
    assert client_for(organizer).post("/api/v1/competitions/", body, format="json").status_code == 201
    assert client_for(organizer).get("/api/v1/competitions/mine/role-bindings/").status_code == 200
    assert (
        client_for(organizer).patch("/api/v1/competitions/mine/", {"title": "Ours"}, format="json").json()["title"]
        == "Ours"
    )


def test_the_openapi_schema_and_docs_are_served(db):
    schema = client_for(None).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/competitions/{slug}/leaderboard/" in paths
    assert "/api/v1/competitions/{slug}/role-bindings/" in paths
    docs = client_for(None).get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
