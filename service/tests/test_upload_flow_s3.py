"""The ticket flow against S3 (moto): presigned POSTs with the policy of the contract, completion checks and tags.

moto 5.2 stores what a presigned POST sends without evaluating its policy (size range, tagging, expiry: checked in
``moto/s3/responses.py``, ``_bucket_response_post``), so these tests read the policy S3 enforces from the ticket,
and show that completion refuses a too-large object that got through anyway. The local endpoint's tests show the
same policy enforced (``test_upload_flow_local.py``).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json

import pytest
import requests
from django.contrib import admin

from competitions.models import Competition
from submissions import services
from submissions.admin import SubmissionAdmin
from submissions.models import DailySubmissionQuota, Submission
from submissions.worker.scoring import Outcome, score_submission

from .factories import client_for, make_competition, make_user
from .moto_aws import BUCKET, fake_aws, s3_storage, tags_of
from .upload_flow import GOOD, ask_ticket, complete, participant, sha256_of


@pytest.fixture
def s3(db, monkeypatch, settings):
    with fake_aws(monkeypatch) as client:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": s3_storage("submissions"),
            "ground_truth": s3_storage("ground-truth"),
        }
        yield client


@pytest.fixture
def member(s3):
    return participant("s3flow", daily_submission_limit=5)


def upload(ticket, data: bytes) -> requests.Response:
    """What a client does with a ticket: the fields first, the file last (moto answers for S3)."""
    return requests.post(ticket["url"], data=ticket["fields"], files={"file": ("preds.csv", data)}, timeout=10)


def policy_of(ticket) -> dict:
    return json.loads(base64.b64decode(ticket["fields"]["policy"]))


def test_the_ticket_is_a_presigned_post_with_the_contracts_policy(member, settings):
    body = ask_ticket(member, "s3flow", GOOD, name="preds.csv.gz").json()
    ticket = body["upload"]
    submission = Submission.objects.get()
    key = ticket["fields"]["key"]
    assert key == f"submissions/{submission.competition_id}/{submission.team_id}/{key.rsplit('/', 1)[1]}"
    assert key.endswith(".csv.gz")
    assert ticket["url"] == f"https://{BUCKET}.s3.eu-west-1.amazonaws.com/"
    conditions = policy_of(ticket)["conditions"]
    assert ["content-length-range", 1, settings.SUBMISSION_MAX_BYTES] in conditions
    assert {"Content-Type": "application/gzip"} in conditions
    tagging = "<Tagging><TagSet><Tag><Key>upload</Key><Value>pending</Value></Tag></TagSet></Tagging>"
    assert {"tagging": tagging} in conditions
    assert ticket["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert policy_of(ticket)["expiration"].startswith(body["upload"]["expires_at"][:16])


def test_upload_complete_and_score_through_s3(member, s3):
    data = gzip.compress(GOOD)
    body = ask_ticket(member, "s3flow", data, name="preds.csv.gz", sha256=sha256_of(data)).json()
    assert upload(body["upload"], data).status_code == 204

    completed = complete(member, "s3flow", body["id"])

    assert completed.json()["status"] == "scored"
    assert tags_of(s3, body["upload"]["fields"]["key"]) == {"upload": "complete"}


def test_a_too_large_object_is_refused_on_completion(member, s3, settings):
    body = ask_ticket(member, "s3flow", GOOD).json()
    settings.SUBMISSION_MAX_BYTES = len(GOOD) - 1  # S3 would refuse the POST; moto lets it through
    upload(body["upload"], GOOD)
    response = complete(member, "s3flow", body["id"])
    assert (response.status_code, response.json()["error"]["code"]) == (409, "upload_too_large")
    assert not DailySubmissionQuota.objects.exists()


def test_the_ticket_and_the_completion_use_the_same_size_limit(member, s3, settings):
    """A file of exactly the limit passes the ticket's content-length-range and the completion; one byte more, which
    S3 would refuse by the same policy (moto does not check it), is refused by the completion."""
    settings.SUBMISSION_MAX_BYTES = len(GOOD)
    exact = ask_ticket(member, "s3flow", GOOD).json()
    assert ["content-length-range", 1, len(GOOD)] in policy_of(exact["upload"])["conditions"]
    upload(exact["upload"], GOOD)
    assert complete(member, "s3flow", exact["id"]).json()["status"] == "scored"

    over = ask_ticket(member, "s3flow", GOOD).json()  # declared within the limit, then a byte more uploaded
    upload(over["upload"], GOOD + b"\n")
    response = complete(member, "s3flow", over["id"])
    assert (response.status_code, response.json()["error"]["code"]) == (409, "upload_too_large")


def test_a_missing_object_is_a_conflict(member):
    body = ask_ticket(member, "s3flow", GOOD).json()
    response = complete(member, "s3flow", body["id"])
    assert (response.status_code, response.json()["error"]["code"]) == (409, "upload_missing")


def test_a_checksum_stored_by_s3_that_differs_is_refused_on_completion(member, s3):
    body = ask_ticket(member, "s3flow", GOOD, sha256="1" * 64).json()
    key = body["upload"]["fields"]["key"]
    s3.put_object(Bucket=BUCKET, Key=key, Body=GOOD, ChecksumAlgorithm="SHA256")  # S3 keeps its SHA-256
    response = complete(member, "s3flow", body["id"])
    assert (response.status_code, response.json()["error"]["code"]) == (409, "checksum_mismatch")
    assert response.json()["error"]["details"]["sha256"] == hashlib.sha256(GOOD).hexdigest()


def test_deleting_a_submission_tags_its_object_for_the_lifecycle_rule(member, s3):
    body = ask_ticket(member, "s3flow", GOOD).json()
    upload(body["upload"], GOOD)
    complete(member, "s3flow", body["id"])
    assert member.delete(f"/api/v1/competitions/s3flow/submissions/{body['id']}/").status_code == 204
    assert tags_of(s3, body["upload"]["fields"]["key"]) == {"upload": "pending"}


def test_a_host_uploads_a_ground_truth_with_a_ticket(s3):
    host = make_user("gthost")
    make_competition("gt-s3", host, metric="rmse", truth=None)
    truth = b"id,expected,usage\na,1,Public\nb,2,Private\n"
    client = client_for(host)
    body = client.post(
        "/api/v1/competitions/gt-s3/ground-truth/",
        {"file_name": "truth.csv", "size_bytes": len(truth), "sha256": sha256_of(truth)},
        format="json",
    ).json()
    assert body["upload"]["fields"]["key"].startswith("ground-truth/")
    upload(body["upload"], truth)

    response = client.post(f"/api/v1/competitions/gt-s3/ground-truth/uploads/{body['id']}/complete/")

    assert response.status_code == 201, response.json()
    summary = response.json()
    assert (summary["public_rows"], summary["private_rows"]) == (1, 1)
    competition_id = Competition.objects.get(slug="gt-s3").pk
    key = f"ground-truth/{competition_id}/{summary['version']}.parquet"
    assert s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] > 0
    # The CSV is never re-tagged complete: it keeps the POST's upload=pending (moto keeps no tags from a POST form)
    # and the lifecycle rule removes it; the Parquet file stays.
    assert tags_of(s3, body["upload"]["fields"]["key"]).get("upload") != "complete"


def test_a_second_upload_with_the_ticket_after_completion_changes_nothing_scored(member, s3, monkeypatch):
    """The presigned POST works until it expires: a second upload with it makes a new version of the key. The
    completion pinned the version it checked: that one keeps its tag, and the worker scores it."""
    monkeypatch.setattr(services, "enqueue", lambda submission_id: None)  # scored below, after the second upload
    body = ask_ticket(member, "s3flow", GOOD).json()
    key = body["upload"]["fields"]["key"]
    upload(body["upload"], GOOD)
    checked = s3.head_object(Bucket=BUCKET, Key=key)["VersionId"]
    assert complete(member, "s3flow", body["id"]).json()["status"] == "queued"

    assert upload(body["upload"], b"id,prediction\na,dog\n").status_code == 204  # S3 takes it: a new version

    submission = Submission.objects.get()
    assert submission.file_version == checked
    assert tags_of(s3, key, version=checked) == {"upload": "complete"}
    assert score_submission(submission.pk) == Outcome.SCORED
    assert Submission.objects.get().public_score == 1.0


def test_deleting_a_submission_tags_the_version_it_pinned(member, s3):
    body = ask_ticket(member, "s3flow", GOOD).json()
    key = body["upload"]["fields"]["key"]
    upload(body["upload"], GOOD)
    complete(member, "s3flow", body["id"])
    pinned = Submission.objects.get().file_version
    upload(body["upload"], GOOD)  # a newer version

    member.delete(f"/api/v1/competitions/s3flow/submissions/{body['id']}/")

    assert tags_of(s3, key, version=pinned) == {"upload": "pending"}


def test_the_admin_links_to_the_version_that_was_scored(member, s3):
    body = ask_ticket(member, "s3flow", GOOD).json()
    upload(body["upload"], GOOD)
    complete(member, "s3flow", body["id"])
    submission = Submission.objects.get()

    link = SubmissionAdmin(Submission, admin.site).stored_file(submission)

    assert f"versionId={submission.file_version}" in link
