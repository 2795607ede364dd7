"""Hostile bodies and NUL characters answer 4xx in the error shape, never a 500 (issue 9, points 5 and 6)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from .factories import client_for, make_competition, make_user
from .test_error_shape import assert_shape

DEEP_ARRAYS = "[" * 100_000
DEEP_OBJECTS = '{"a":' * 50_000


@pytest.fixture
def host(db):
    user = make_user("host")
    make_competition("open", user)
    return user


def post_json(client, path: str, body: str, method: str = "post"):
    return getattr(client, method)(path, data=body, content_type="application/json")


@pytest.mark.parametrize("body", [DEEP_ARRAYS, DEEP_OBJECTS], ids=["arrays", "objects"])
def test_deeply_nested_json_to_the_token_endpoint_is_a_400_invalid_json(db, body):
    error = assert_shape(post_json(Client(), "/api/v1/auth/token/", body), 400, "invalid_json")
    assert "nested deeper than 32 levels" in error["message"]


@pytest.mark.parametrize("body", [DEEP_ARRAYS, DEEP_OBJECTS], ids=["arrays", "objects"])
def test_deeply_nested_json_in_a_hosts_patch_is_a_400_invalid_json(host, body):
    response = post_json(client_for(host), "/api/v1/competitions/open/", body, method="patch")
    assert_shape(response, 400, "invalid_json")


def test_nesting_just_past_the_limit_is_refused_and_at_the_limit_parsed(db):
    at_limit = "[" * 31 + '{"username": "x"}' + "]" * 31
    assert_shape(post_json(Client(), "/api/v1/auth/token/", at_limit), 400, "invalid")
    past = "[" * 32 + '{"username": "x"}' + "]" * 32
    assert_shape(post_json(Client(), "/api/v1/auth/token/", past), 400, "invalid_json")


def test_malformed_json_is_a_400_invalid_json(db):
    assert_shape(post_json(Client(), "/api/v1/auth/token/", '{"username": '), 400, "invalid_json")
    assert_shape(post_json(Client(), "/api/v1/auth/token/", '{"username": NaN}'), 400, "invalid_json")
    assert_shape(post_json(Client(), "/api/v1/auth/token/", b"\xff\xfe".decode("latin-1")), 400, "invalid_json")


def test_a_json_body_over_the_cap_is_a_413_naming_the_limit(db, settings, openapi):
    settings.API_BODY_MAX_BYTES = 1000
    body = json.dumps({"username": "x" * 1000, "password": "y"})
    response = post_json(Client(), "/api/v1/auth/token/", body)
    error = assert_shape(response, 413, "request_too_large")
    openapi.check(response)
    assert error["message"] == "A JSON body may hold at most 1000 bytes (API_BODY_MAX_BYTES)."


def test_a_json_body_under_the_default_cap_is_parsed_and_one_over_it_refused(db):
    under = json.dumps({"username": "x" * 1000, "password": "y" * 1000})
    assert post_json(Client(), "/api/v1/auth/token/", under).status_code == 401
    over = json.dumps({"username": "x", "password": "y" * (1024 * 1024)})
    assert_shape(post_json(Client(), "/api/v1/auth/token/", over), 413, "request_too_large")


def test_a_form_body_over_the_cap_is_a_413(db, settings):
    settings.API_BODY_MAX_BYTES = 100
    response = Client().post(
        "/api/v1/auth/token/", "username=" + "x" * 200, content_type="application/x-www-form-urlencoded"
    )
    assert_shape(response, 413, "request_too_large")


@pytest.mark.parametrize("field", ["user", "role"])
def test_a_nul_character_in_a_role_binding_is_a_400_naming_the_field(host, field):
    make_user("bob")
    body = {"user": "bob", "role": "competition-host", field: "bob\x00"}
    response = post_json(client_for(host), "/api/v1/competitions/open/role-bindings/", json.dumps(body))
    error = assert_shape(response, 400, "invalid")
    assert list(error["details"]) == [field]


def test_a_nul_character_nested_in_json_names_its_path(db):
    body = json.dumps({"username": "x", "password": "y", "extra": [{"note": "a\x00"}]})
    error = assert_shape(post_json(Client(), "/api/v1/auth/token/", body), 400, "invalid")
    assert list(error["details"]) == ["extra[0].note"]


def test_a_nul_character_in_a_form_field_is_a_400_naming_the_field(db):
    response = Client().post("/api/v1/auth/token/", {"username": "alice\x00", "password": "x"})
    error = assert_shape(response, 400, "invalid")
    assert list(error["details"]) == ["username"]


def test_a_nul_character_in_a_query_parameter_is_a_400_naming_it(host):
    response = client_for(host).get("/api/v1/competitions/open/leaderboard/?board=public%00")
    error = assert_shape(response, 400, "invalid")
    assert error["message"] == "The query parameter 'board' holds a NUL character."
    assert list(error["details"]) == ["board"]


def test_a_nul_character_in_a_path_slug_is_a_400(host):
    error = assert_shape(client_for(host).get("/api/v1/competitions/op%00en/teams/"), 400, "invalid")
    assert error["message"] == "The URL path holds a NUL character."


def test_a_nul_character_in_the_token_header_is_a_400_naming_the_header(host, openapi):
    response = Client().get("/api/v1/competitions/open/", HTTP_AUTHORIZATION="Token abc\x00def")
    error = assert_shape(response, 400, "invalid")
    assert list(error["details"]) == ["Authorization"]
    openapi.check(response)


def test_a_nul_character_in_the_session_cookie_is_a_400(db):
    response = Client().get("/api/v1/competitions/", HTTP_COOKIE="sessionid=abcdefgh\x00ijklmnop")
    error = assert_shape(response, 400, "invalid")
    assert list(error["details"]) == ["Cookie"]
