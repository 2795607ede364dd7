"""A submission is validated by the scoring worker (in this process, no queue configured): a bad file ends
``invalid`` naming the first bad line, and its daily slot is given back."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from submissions.models import DailySubmissionQuota, Submission

from .factories import client_for, csv_upload, make_competition, make_team, make_user

GOOD = "id,prediction\na,cat\nb,dog\nc,cat\nd,dog\ne,cat\nf,dog\n"


@pytest.fixture
def setup(db):
    member = make_user("member")
    competition = make_competition("valid", make_user("host"))
    team = make_team(competition, "Team", member)
    return competition, team, client_for(member)


def post(client, text: str, slug: str = "valid"):
    return client.post(f"/api/v1/competitions/{slug}/submissions/", {"file": csv_upload(text)}, format="multipart")


def invalid(response) -> dict:
    """The error of a submission the worker found invalid (the upload itself was accepted)."""
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "invalid", body
    assert body["public_score"] is None
    return body["error"]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "the file is empty"),
        ("identifier,prediction\na,cat\n", 1, "the header must be 'id,prediction'"),
        ("id,prediction,extra\na,cat,1\n", 1, "the header must be 'id,prediction'"),
        ("id,prediction\na,cat\nb,dog,oops\n", 3, "expected 2 fields"),
        ("id,prediction\na,cat\nzzz,dog\n", 3, "unknown id 'zzz'"),
        ("id,prediction\na,cat\nb,dog\na,dog\n", 4, "id 'a' appears more than once (first on line 2)"),
        ("id,prediction\na,cat\nb,\n", 3, "the prediction for id 'b' is empty"),
        ("id,prediction\na,cat\nb,dog\nc,cat\n", 5, "without predictions for 3 id(s), the first being 'd'"),
        ('id,prediction\na,"cat\n', 2, "malformed CSV"),
    ],
    ids=[
        "empty",
        "wrong-header",
        "extra-column-header",
        "wrong-field-count",
        "unknown-id",
        "duplicate-id",
        "empty-label",
        "missing-ids",
        "unterminated-quote",
    ],
)
def test_invalid_file_is_rejected_naming_the_first_bad_line(setup, text, line, reason):
    _, _, client = setup
    error = invalid(post(client, text))
    assert error["line"] == line
    assert reason in error["reason"]


def test_non_numeric_prediction_is_rejected_for_a_regression_metric(db):
    member = make_user("member")
    truth = {"a": [1.5, "Public"], "b": [2.0, "Private"]}
    competition = make_competition("reg", make_user("host"), metric="rmse", truth=truth)
    make_team(competition, "T", member)
    response = post(client_for(member), "id,prediction\na,1.0\nb,two\n", slug="reg")
    assert invalid(response) == {
        "line": 3,
        "reason": "prediction 'two' for id 'b' is not a finite number",
    }


def test_infinite_prediction_is_rejected_for_a_regression_metric(db):
    member = make_user("member")
    competition = make_competition(
        "reg", make_user("host"), metric="mae", truth={"a": [1.0, "Public"], "b": [2, "Private"]}
    )
    make_team(competition, "T", member)
    response = post(client_for(member), "id,prediction\na,inf\nb,1\n", slug="reg")
    assert invalid(response)["line"] == 2


def test_file_over_the_size_limit_is_rejected(setup, settings):
    settings.SUBMISSION_MAX_BYTES = 20
    _, _, client = setup
    response = post(client, GOOD)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_submission")
    assert "larger than the limit of 20 bytes" in response.json()["error"]["message"]
    # Refused before anything is stored or counted.
    assert not Submission.objects.exists()
    assert not DailySubmissionQuota.objects.filter(used__gt=0).exists()


def test_non_utf8_file_is_rejected_with_its_line(setup):
    _, _, client = setup
    response = client.post(
        "/api/v1/competitions/valid/submissions/",
        {"file": ContentFile(b"id,prediction\na,cat\nb,\xff\xfe\n", name="p.csv")},
        format="multipart",
    )
    assert invalid(response) == {"line": 3, "reason": "the file is not valid UTF-8"}


def test_missing_file_field_is_a_validation_error(setup):
    _, _, client = setup
    response = client.post("/api/v1/competitions/valid/submissions/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["error"]["details"]


def test_invalid_file_gives_its_daily_slot_back(setup):
    _, team, client = setup
    invalid(post(client, "id,prediction\nnope,cat\n"))
    assert DailySubmissionQuota.objects.get(team=team).used == 0
    assert Submission.objects.get().slot_day is None


def test_valid_file_is_scored_on_both_boards(setup):
    _, _, client = setup
    response = post(client, "id,prediction\na,cat\nb,dog\nc,dog\nd,dog\ne,cat\nf,cat\n")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "scored"
    assert body["public_score"] == pytest.approx(2 / 3)
    assert body["private_score"] is None  # hidden from participants until the end
    submission = Submission.objects.get(pk=body["id"])
    assert submission.private_score == pytest.approx(2 / 3)
    with storages["default"].open(str(submission.file.name), "rb") as stored:  # the alias, as the service reads it
        assert stored.read().decode().startswith("id,prediction")


def test_header_case_whitespace_and_blank_lines_are_tolerated(setup):
    _, _, client = setup
    response = post(client, "\ufeffID , Prediction\r\na,cat\r\n\r\nb,dog\nc,cat\nd,dog\ne,cat\nf,dog\n")
    assert response.status_code == 201, response.json()


def test_submission_outside_the_competition_window_is_refused(db):
    member = make_user("member")
    competition = make_competition("later", make_user("host"), started_days_ago=-1)
    make_team(competition, "T", member)
    response = post(client_for(member), GOOD, slug="later")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "competition_closed"


def test_submission_without_ground_truth_is_refused(db):
    member = make_user("member")
    competition = make_competition("notruth", make_user("host"), truth=None)
    make_team(competition, "T", member)
    response = post(client_for(member), GOOD, slug="notruth")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_ground_truth"
