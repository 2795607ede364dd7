"""Every error body has one shape, whoever produces it; a database outage is a 503, not a 500 (issue 9, points 7-8)."""

from __future__ import annotations

import socket

import pytest
from django.db import connection
from django.test import Client

from .factories import client_for, make_user


def assert_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    return body["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("format_", ["api", "xml"])
def test_an_unknown_or_disabled_format_is_a_404_in_the_error_shape(format_):
    assert_shape(Client().get(f"/api/v1/competitions/?format={format_}"), 404, "not_found")


@pytest.mark.django_db
def test_content_negotiation_failure_is_a_406_in_the_error_shape():
    assert_shape(Client().get("/api/v1/competitions/", HTTP_ACCEPT="application/xml"), 406, "not_acceptable")


@pytest.mark.django_db
def test_an_unsupported_media_type_is_a_415_in_the_error_shape():
    response = Client().post("/api/v1/auth/token/", "x", content_type="text/plain")
    assert_shape(response, 415, "unsupported_media_type")


@pytest.mark.django_db
def test_a_wrong_method_is_a_405_in_the_error_shape():
    assert_shape(Client().delete("/api/v1/auth/token/"), 405, "method_not_allowed")


@pytest.mark.django_db
def test_an_unknown_url_is_a_404_in_the_error_shape():
    assert_shape(Client().get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_shape(Client().get("/no-such-page"), 404, "not_found")


@pytest.mark.django_db
def test_an_invalid_token_is_a_401_in_the_error_shape():
    response = Client().get("/api/v1/competitions/", HTTP_AUTHORIZATION="Token not-a-token")
    assert_shape(response, 401, "authentication_failed")


@pytest.mark.django_db
def test_a_throttled_request_is_a_429_with_the_wait_in_details_and_retry_after(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"submissions": "1/minute", "token": "1/minute"})
    Client().post("/api/v1/auth/token/", {"username": "a", "password": "b"})
    response = Client().post("/api/v1/auth/token/", {"username": "a", "password": "b"})
    error = assert_shape(response, 429, "throttled")
    assert 0 < error["details"]["wait_seconds"] <= 60
    assert int(response["Retry-After"]) == error["details"]["wait_seconds"]


@pytest.mark.django_db
def test_a_csrf_failure_in_the_admin_is_a_403_in_the_error_shape():
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "a", "password": "b"})
    error = assert_shape(response, 403, "csrf_failed")
    assert error["message"].startswith("CSRF verification failed: CSRF cookie not set")


# --- the database is unavailable ------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens there once the socket is closed


@pytest.fixture
def database_down(db, django_db_blocker):
    """Every new connection is refused (the server's address answers RST), as during an outage."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


@pytest.fixture
def token_client(db):
    return client_for(make_user("alice"))


def test_an_api_read_during_an_outage_is_a_503_database_unavailable_with_retry_after(database_down, caplog, openapi):
    response = Client(raise_request_exception=False).get("/api/v1/competitions/")
    error = assert_shape(response, 503, "database_unavailable")
    openapi.check(response)  # documented for every operation
    assert error["message"] == "The database is unavailable; try again shortly."
    assert response["Retry-After"] == "5"
    assert "127.0.0.1" not in response.content.decode()
    assert "database unavailable: OperationalError" in caplog.text


def test_token_authentication_during_an_outage_is_a_503(token_client, database_down):
    token_client.raise_request_exception = False
    assert_shape(token_client.get("/api/v1/competitions/"), 503, "database_unavailable")


def test_a_page_outside_the_api_during_an_outage_is_a_503(database_down):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a" * 32  # the session middleware looks it up in the database
    assert_shape(client.get("/admin/"), 503, "database_unavailable")


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_a_wrong_method_on_the_local_upload_endpoint_is_a_405_in_the_error_shape(method):
    response = getattr(Client(), method)("/api/v1/uploads/any-token/")
    assert assert_shape(response, 405, "method_not_allowed")["details"] == {"allowed": ["POST"]}
    assert response["Allow"] == "POST"
