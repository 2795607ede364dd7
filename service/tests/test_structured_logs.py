"""JSON log records with the environment and the request id, one request record per request, and a 5xx's traceback
under the same request id as its request record (issue 11, PLAN.md's log contract)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client
from django.utils.module_loading import import_string

from core.structured_logging import RequestContextFilter, logging_config

from .factories import client_for, make_user
from .test_settings import PRODUCTION_ENV, printed, run_python

TRACE = "Root=1-67891233-abcdef012345678912345678;Parent=463ac35c9f6413ad;Sampled=1"
TRACE_ROOT = "1-67891233-abcdef012345678912345678"


@pytest.fixture
def records():
    """The JSON lines the configured formatter writes, as dicts (a handler on the root logger for the test)."""
    options = dict(logging_config(log_format="json", level="INFO", environment="staging")["formatters"]["json"])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(import_string(options.pop("()"))(**options))
    handler.addFilter(RequestContextFilter("staging"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def request_records(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line.get("event") == "request"]


@pytest.mark.django_db
def test_a_request_writes_one_request_record_with_the_contract_fields(records):
    alice = make_user("alice")
    response = client_for(alice).get("/api/v1/competitions/", HTTP_X_AMZN_TRACE_ID=TRACE)
    assert response["X-Request-Id"] == TRACE_ROOT
    [record] = request_records(records())
    assert {key: record[key] for key in ("method", "path", "status", "user_id", "request_id", "environment")} == {
        "method": "GET",
        "path": "/api/v1/competitions/",
        "status": 200,
        "user_id": alice.pk,
        "request_id": TRACE_ROOT,
        "environment": "staging",
    }
    assert {"timestamp", "level", "logger", "message", "duration_ms"} <= set(record)
    assert record["level"] == "INFO"
    assert isinstance(record["duration_ms"], float)
    assert "error_code" not in record


@pytest.mark.django_db
def test_an_error_response_records_its_code_and_an_anonymous_caller_no_user(records):
    response = Client().get("/api/v1/competitions/nope/")
    assert response.status_code == 404
    [record] = request_records(records())
    assert (record["status"], record["error_code"], record["user_id"]) == (404, "not_found", None)


@pytest.mark.django_db
def test_without_a_trace_header_a_request_id_is_generated_and_echoed(records):
    response = Client().get("/api/v1/competitions/", HTTP_X_AMZN_TRACE_ID="Self=1-2-3")
    [record] = request_records(records())
    assert len(response["X-Request-Id"]) == 32
    assert record["request_id"] == response["X-Request-Id"]


def test_a_5xx_traceback_carries_the_request_id_of_its_request_record(records, monkeypatch, db):
    from access.views import ObtainTokenView

    def broken(self, request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ObtainTokenView, "post", broken)
    response = Client(raise_request_exception=False).post(
        "/api/v1/auth/token/", {"username": "a"}, HTTP_X_AMZN_TRACE_ID=TRACE
    )
    assert response.status_code == 500
    lines = records()
    [request] = request_records(lines)
    assert (request["status"], request["error_code"], request["request_id"]) == (500, "server_error", TRACE_ROOT)
    [error] = [line for line in lines if line["level"] == "ERROR" and line["logger"] == "django.request"]
    assert error["request_id"] == TRACE_ROOT
    assert "RuntimeError: a bug" in error["exc_info"]


def test_health_checks_get_no_request_record(records):
    assert Client().get("/healthz").status_code == 200
    assert request_records(records()) == []


def test_outside_a_request_the_request_id_is_null(records):
    logging.getLogger("core.test").warning("outside")
    [record] = records()
    assert (record["message"], record["request_id"], record["environment"]) == ("outside", None, "staging")


def test_the_settings_log_json_to_stdout_unless_told_otherwise():
    code = "import django, logging; django.setup(); logging.getLogger('probe').warning('hello %s', 'world')"
    result = run_python(code, {**PRODUCTION_ENV, "PLATFORM_ENVIRONMENT": "prod"})
    record = json.loads(printed(result))
    assert (record["message"], record["environment"], record["level"]) == ("hello world", "prod", "WARNING")
    plain = run_python(code, {**PRODUCTION_ENV, "DJANGO_LOG_FORMAT": "plain"})
    assert printed(plain).endswith("WARNING probe [None] hello world")


def test_an_unknown_log_format_is_refused_naming_the_variable():
    result = run_python("import django; django.setup()", {**PRODUCTION_ENV, "DJANGO_LOG_FORMAT": "xml"})
    assert result.returncode != 0
    assert "DJANGO_LOG_FORMAT must be json or plain, got 'xml'" in result.stderr
