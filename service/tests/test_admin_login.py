"""Admin logins are rate-limited per address and per account, behind the load balancer's X-Forwarded-For, with
counters in the database; the admin is served only when enabled (issue 9, point 10)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client

from .test_settings import PRODUCTION_ENV, printed, run_python

ALB = "10.0.1.23"  # the load balancer is the TCP peer of every request
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("ops", "ops@example.com", PASSWORD)


def login(username: str, password: str, *, address: str, spoofed: str | None = None):
    """One POST to the admin's login form as the ALB forwards it: it appends the caller's address to whatever
    X-Forwarded-For the caller sent."""
    forwarded = f"{spoofed}, {address}" if spoofed else address
    client = Client(REMOTE_ADDR=ALB, HTTP_X_FORWARDED_FOR=forwarded)
    response = client.post("/admin/login/?next=/admin/", {"username": username, "password": password})
    return response, client


def logged_in(response) -> bool:
    return response.status_code == 302 and response.url == "/admin/"


def assert_locked_out(response) -> None:
    assert response.status_code == 429, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "login_locked_out"
    assert error["message"] == (
        "Too many failed logins from this address or for this account (the limit is 5): "
        "logins are refused for 15 minutes after the last failure."
    )
    assert error["details"] == {"cool_off_seconds": 900}
    assert response["Retry-After"] == "900"


def test_the_right_password_works_before_any_failure(operator):
    response, client = login("ops", PASSWORD, address="203.0.113.7")
    assert logged_in(response)
    assert client.get("/admin/").status_code == 200


def test_twelve_wrong_passwords_then_the_right_one_is_refused(operator):
    answers = [login("ops", f"guess-{i}", address="203.0.113.7")[0].status_code for i in range(12)]
    assert answers[:4] == [200] * 4  # the form again, with an error
    assert answers[4:] == [429] * 8  # the fifth failure locks
    response, client = login("ops", PASSWORD, address="203.0.113.7")
    assert_locked_out(response)
    assert client.get("/admin/").status_code == 302  # no session: back to the login page


def test_a_spoofed_x_forwarded_for_does_not_reset_the_address_counter(operator):
    # Each guess names another account and claims another address on the left of the header.
    for i in range(5):
        login(f"user{i}", "guess", address="203.0.113.7", spoofed=f"198.51.100.{i}")
    assert_locked_out(login("ops", PASSWORD, address="203.0.113.7", spoofed="198.51.100.99")[0])
    # Another caller is not affected: the limit is per address, not global.
    assert logged_in(login("ops", PASSWORD, address="192.0.2.44")[0])


def test_guesses_from_many_addresses_lock_the_account(operator):
    for i in range(5):
        login("ops", "guess", address=f"198.51.100.{i}")
    assert_locked_out(login("ops", PASSWORD, address="192.0.2.44")[0])


def test_the_counters_live_in_the_database_shared_by_every_task(operator):
    login("ops", "guess", address="203.0.113.7", spoofed="198.51.100.1")
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("ops", "203.0.113.7", 1)


def test_the_token_endpoint_is_not_locked_by_the_admin_limit(operator):
    for i in range(6):
        login("ops", f"guess-{i}", address="203.0.113.7")
    response = Client(REMOTE_ADDR=ALB, HTTP_X_FORWARDED_FOR="203.0.113.7").post(
        "/api/v1/auth/token/", {"username": "ops", "password": PASSWORD}
    )
    assert response.status_code == 200


def test_the_admin_is_not_served_unless_enabled():
    probe = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/admin/login/', HTTP_HOST='api.example.com', secure=True); "
        "print(json.dumps([r.status_code, r.json()]))"
    )
    off = run_python(probe, PRODUCTION_ENV)
    assert printed(off) == '[404, {"error": {"code": "not_found", "message": "Not found.", "details": {}}}]', (
        off.stderr[-2000:]
    )
    resolve = "import django; django.setup(); from django.urls import resolve; print(resolve('/admin/login/').url_name)"
    on = run_python(resolve, {**PRODUCTION_ENV, "DJANGO_ADMIN_ENABLED": "true"})
    assert printed(on) == "login", on.stderr[-2000:]


def test_failed_token_requests_do_not_count_towards_the_admin_limit(operator):
    for i in range(5):
        Client(REMOTE_ADDR=ALB, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").post(
            "/api/v1/auth/token/", {"username": "ops", "password": f"guess-{i}"}
        )
    assert not AccessAttempt.objects.exists()
    assert logged_in(login("ops", PASSWORD, address="192.0.2.44")[0])
