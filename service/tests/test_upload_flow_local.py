"""The ticket flow with no bucket configured: the ticket points at the service's own signed upload endpoint, which
accepts S3's form and enforces its policy; completing takes the daily slot and the in-process worker scores."""

from __future__ import annotations

import gzip
import time

import pytest
from django.core.files.storage import storages

from core.uploads.local_objects import LocalTicketPolicy
from submissions.models import DailySubmissionQuota, Submission
from submissions.worker import scoring as worker_scoring

from .upload_flow import GOOD, ask_ticket, complete, participant, post_form, sha256_of


@pytest.fixture
def member(db):
    return participant("flow", daily_submission_limit=2)


def test_a_ticket_then_an_upload_then_complete_scores_the_file(member, openapi):
    ticket_response = ask_ticket(member, "flow", GOOD, sha256=sha256_of(GOOD))
    assert ticket_response.status_code == 201
    openapi.check(ticket_response)
    body = ticket_response.json()
    assert body["status"] == "awaiting_upload"
    assert body["upload"]["url"].startswith("http://testserver/api/v1/uploads/")
    assert set(body["upload"]["fields"]) == {"key", "Content-Type", "tagging"}
    assert post_form(member, body["upload"], GOOD).status_code == 204

    completed = complete(member, "flow", body["id"])

    assert completed.status_code == 200
    openapi.check(completed)
    assert completed.json()["status"] == "scored"
    assert completed.json()["public_score"] == 1.0
    listed = member.get("/api/v1/competitions/flow/submissions/", {"status": "scored"})
    assert [row["id"] for row in listed.json()["results"]] == [body["id"]]


def test_a_gzip_compressed_file_is_scored_like_the_plain_one(member):
    data = gzip.compress(GOOD)
    body = ask_ticket(member, "flow", data, name="preds.csv.gz").json()
    assert body["upload"]["fields"]["Content-Type"] == "application/gzip"
    assert str(Submission.objects.get().file.name).endswith(".csv.gz")
    post_form(member, body["upload"], data)
    assert complete(member, "flow", body["id"]).json()["status"] == "scored"


def test_a_ticket_takes_no_daily_slot_and_completing_twice_takes_one(member):
    body = ask_ticket(member, "flow", GOOD).json()
    assert not DailySubmissionQuota.objects.exists()
    post_form(member, body["upload"], GOOD)
    first, second = complete(member, "flow", body["id"]), complete(member, "flow", body["id"])
    assert (first.status_code, second.status_code) == (200, 200)
    assert DailySubmissionQuota.objects.get().used == 1


def test_completing_without_an_upload_is_a_conflict(member, openapi):
    body = ask_ticket(member, "flow", GOOD).json()
    response = complete(member, "flow", body["id"])
    assert (response.status_code, response.json()["error"]["code"]) == (409, "upload_missing")
    openapi.check(response)
    assert Submission.objects.get().status == "awaiting_upload"


def test_the_daily_limit_is_taken_on_completion(member):
    tickets = [ask_ticket(member, "flow", GOOD).json() for _ in range(3)]
    for ticket in tickets:
        post_form(member, ticket["upload"], GOOD)
    statuses = [complete(member, "flow", ticket["id"]).status_code for ticket in tickets]
    assert statuses == [200, 200, 429]
    assert Submission.objects.filter(status="awaiting_upload").count() == 1


def test_a_file_larger_than_the_limit_is_refused_by_the_endpoint(member, settings):
    settings.SUBMISSION_MAX_BYTES = len(GOOD)
    body = ask_ticket(member, "flow", GOOD).json()
    response = post_form(member, body["upload"], GOOD + b"x")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "upload_too_large")
    assert complete(member, "flow", body["id"]).json()["error"]["code"] == "upload_missing"


def test_a_size_over_the_limit_is_refused_when_the_ticket_is_asked(member, settings):
    settings.SUBMISSION_MAX_BYTES = 10
    response = ask_ticket(member, "flow", GOOD)
    assert response.status_code == 400
    assert "size_bytes" in response.json()["error"]["details"]


def test_the_form_must_be_the_tickets(member):
    body = ask_ticket(member, "flow", GOOD).json()
    upload = body["upload"]
    changed = {**upload["fields"], "key": "1/1/elsewhere.csv"}
    extra = {**upload["fields"], "acl": "public-read"}
    untagged = {name: value for name, value in upload["fields"].items() if name != "tagging"}
    for fields in (changed, extra, untagged):
        response = post_form(member, upload, GOOD, fields)
        assert (response.status_code, response.json()["error"]["code"]) == (403, "upload_policy_mismatch")


def test_an_expired_or_forged_ticket_is_refused(member, monkeypatch):
    upload = ask_ticket(member, "flow", GOOD).json()["upload"]
    forged = {**upload, "url": upload["url"].replace("/uploads/", "/uploads/x")}
    assert post_form(member, forged, GOOD).json()["error"]["code"] == "upload_ticket_invalid"
    later = time.time() + 3600
    monkeypatch.setattr("core.uploads.local_objects.time.time", lambda: later)
    assert post_form(member, upload, GOOD).json()["error"]["code"] == "upload_ticket_expired"


def test_the_ticket_url_carries_the_signed_policy(member):
    upload = ask_ticket(member, "flow", GOOD).json()["upload"]
    policy = LocalTicketPolicy.from_token(upload["url"].rstrip("/").rsplit("/", 1)[1])
    assert policy.form_fields() == upload["fields"]
    assert policy.storage == "default"


def test_a_file_whose_sha256_is_not_the_declared_one_is_invalid_and_costs_no_slot(member):
    body = ask_ticket(member, "flow", GOOD, sha256="0" * 64).json()
    post_form(member, body["upload"], GOOD)
    completed = complete(member, "flow", body["id"]).json()
    assert completed["status"] == "invalid"
    assert completed["error"]["line"] == 1
    assert f"SHA-256 is {sha256_of(GOOD)}" in completed["error"]["reason"]
    assert DailySubmissionQuota.objects.get().used == 0


def test_a_file_whose_sha256_is_not_the_declared_one_is_never_scored(member, monkeypatch):
    """The checksum is compared before any metric is computed: a file that is not the participant's gets no score."""
    metrics_computed: list[object] = []
    monkeypatch.setattr(worker_scoring, "score_aligned", lambda *args: metrics_computed.append(args))
    body = ask_ticket(member, "flow", GOOD, sha256="0" * 64).json()
    post_form(member, body["upload"], GOOD)

    assert complete(member, "flow", body["id"]).json()["status"] == "invalid"
    assert metrics_computed == []


def test_a_name_that_is_not_csv_is_refused(member):
    response = member.post(
        "/api/v1/competitions/flow/submissions/", {"file_name": "preds.zip", "size_bytes": 10}, format="json"
    )
    assert response.status_code == 400
    assert "file_name" in response.json()["error"]["details"]


def test_an_unknown_status_filter_is_refused_naming_the_parameter(member):
    response = member.get("/api/v1/competitions/flow/submissions/", {"status": "done"})
    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["status"]


def test_a_second_upload_with_a_completed_ticket_is_refused_and_the_scored_file_stays(member):
    """The ticket works until it expires; local storage keeps no versions for a completion to pin, so the endpoint
    refuses to replace a file (S3's versions: ``test_upload_flow_s3.py``)."""
    body = ask_ticket(member, "flow", GOOD).json()
    post_form(member, body["upload"], GOOD)
    assert complete(member, "flow", body["id"]).json()["status"] == "scored"

    second = post_form(member, body["upload"], b"id,prediction\na,dog\n")

    assert (second.status_code, second.json()["error"]["code"]) == (409, "upload_exists")
    with storages["default"].open(str(Submission.objects.get().file.name), "rb") as stored:
        assert stored.read() == GOOD


def test_a_second_upload_before_completion_is_refused_too(member):
    body = ask_ticket(member, "flow", GOOD).json()
    assert post_form(member, body["upload"], GOOD).status_code == 204

    assert post_form(member, body["upload"], GOOD).status_code == 409
    assert complete(member, "flow", body["id"]).json()["status"] == "scored"
