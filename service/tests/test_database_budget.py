"""Waits on the database are bounded: a round trip into a black hole ends with the request's database time budget,
the server applies the timeouts the settings send, and a process never lets every thread wait (issue 9, point 9).
The whole service under gunicorn is tested in ``test_partition_under_gunicorn.py``."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory

from core.concurrency_limit import ConcurrencyLimitMiddleware
from core.db_backend.base import DatabaseWrapper
from core.db_budget import DatabaseBudgetExceeded, database_time_budget

from .cluster_roles import login_role
from .tcp_proxy import TcpProxy, running_proxy

PASSWORD = "budget-test-password"


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker):
    """These tests open their own connections, outside Django's test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def tcp_role(postgres_cluster):
    with login_role(postgres_cluster, "budget", PASSWORD) as name:
        yield name


@pytest.fixture
def proxy(postgres_cluster):
    with running_proxy(postgres_cluster.port) as proxy:
        yield proxy


def wrapper_through(proxy: TcpProxy, role: str, options: dict[str, object] | None = None) -> DatabaseWrapper:
    settings_dict = {
        **connection.settings_dict,
        "HOST": "127.0.0.1",
        "PORT": str(proxy.port),
        "NAME": "postgres",
        "USER": role,
        "PASSWORD": PASSWORD,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 2, **(options or {})},
    }
    return DatabaseWrapper(settings_dict, alias="budget-test")


def test_a_query_stuck_in_a_black_hole_ends_when_the_budget_is_used_up(proxy, tcp_role):
    wrapper = wrapper_through(proxy, tcp_role)
    try:
        wrapper.ensure_connection()  # a kept-alive connection, then the network drops everything
        proxy.black_hole = True
        with database_time_budget(0.5):
            started = time.monotonic()
            with pytest.raises(OperationalError), wrapper.cursor() as cursor:
                cursor.execute("SELECT 1")
            assert 0.45 <= time.monotonic() - started < 2.0
            # The budget is used up: no new connection is even attempted.
            wrapper.close()
            started = time.monotonic()
            with pytest.raises(DatabaseBudgetExceeded, match="database time budget"):
                wrapper.ensure_connection()
            assert time.monotonic() - started < 0.1
    finally:
        wrapper.close()


def test_the_health_check_of_a_kept_alive_connection_is_bounded(proxy, tcp_role):
    wrapper = wrapper_through(proxy, tcp_role)
    try:
        wrapper.ensure_connection()
        proxy.black_hole = True
        with database_time_budget(0.3):
            started = time.monotonic()
            assert wrapper.is_usable() is False
            assert time.monotonic() - started < 1.5
    finally:
        wrapper.close()


def test_a_connection_attempt_into_a_black_hole_ends_with_the_connect_timeout(proxy, tcp_role):
    proxy.black_hole = True
    wrapper = wrapper_through(proxy, tcp_role)
    started = time.monotonic()
    with database_time_budget(5), pytest.raises(OperationalError):
        wrapper.ensure_connection()
    assert time.monotonic() - started < 4  # connect_timeout 2 s
    wrapper.close()


def test_a_healthy_database_is_untouched_by_the_budget(proxy, tcp_role):
    wrapper = wrapper_through(proxy, tcp_role)
    try:
        with database_time_budget(0.5), wrapper.cursor() as cursor:
            for _ in range(20):
                cursor.execute("SELECT 1")
            time.sleep(0.6)  # time outside the database does not count
            cursor.execute("SELECT 2")
            assert cursor.fetchone() == (2,)
    finally:
        wrapper.close()


def test_the_server_applies_the_timeouts_sent_as_connection_options(proxy, tcp_role):
    wrapper = wrapper_through(proxy, tcp_role, {"options": "-c statement_timeout=200 -c lock_timeout=100"})
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone() == ("200ms",)
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone() == ("100ms",)
            with pytest.raises(OperationalError, match="statement timeout"):
                cursor.execute("SELECT pg_sleep(2)")
    finally:
        wrapper.close()


def test_a_request_finding_no_free_slot_is_answered_503_at_once(settings):
    settings.API_CONCURRENCY_LIMIT = 1
    settings.API_QUEUE_WAIT_MS = 50
    holding, release = threading.Event(), threading.Event()

    def stuck_view(request):
        holding.set()
        release.wait(10)
        return HttpResponse("done")

    middleware = ConcurrencyLimitMiddleware(stuck_view)
    first = threading.Thread(target=middleware, args=(RequestFactory().get("/api/v1/competitions/"),))
    first.start()
    try:
        assert holding.wait(5)  # the first request holds the only slot
        started = time.monotonic()
        response = middleware(RequestFactory().get("/api/v1/competitions/"))
        assert time.monotonic() - started < 0.5
        assert response.status_code == 503
        assert response["Retry-After"] == "1"
        assert json.loads(response.content)["error"]["code"] == "service_busy"
    finally:
        release.set()
        first.join()
    assert middleware(RequestFactory().get("/")).status_code == 200  # the slot was given back
