"""Hosts upload the ground truth as CSV; it is validated, summarised, and never served."""

import pytest
from django.core.files.storage import storages

from competitions.models import GroundTruth
from scoring.ground_truth_store import read_ground_truth

from .factories import client_for, csv_upload, make_competition, make_user
from .scoring_oracle import rows_of


@pytest.fixture
def host_client(db):
    host = make_user("host")
    make_competition("gt", host, metric="rmse", truth=None)
    return client_for(host)


def upload(client, text):
    return client.post("/api/v1/competitions/gt/ground-truth/", {"file": csv_upload(text)}, format="multipart")


def test_a_valid_file_is_stored_and_summarised(host_client):
    response = upload(host_client, "id,expected,usage\na,1.5,Public\nb,2,private\nc,3,Public\n")
    assert response.status_code == 201
    assert response.json()["public_rows"] == 2
    assert response.json()["private_rows"] == 1
    stored = GroundTruth.objects.get()
    assert stored.rows is None  # the previous release's JSON column is no longer written
    # Read as the service reads it (the alias, not the field's storage bound when the model was imported).
    with storages["ground_truth"].open(str(stored.file.name), "rb") as parquet:
        truth = read_ground_truth(parquet)
    assert rows_of(truth) == {"a": [1.5, "Public"], "b": [2.0, "Private"], "c": [3.0, "Public"]}
    assert stored.file.name == f"{stored.competition_id}/{stored.version}.parquet"
    assert response.json()["version"] == stored.version == truth.summary.version
    assert "rows" not in host_client.get("/api/v1/competitions/gt/ground-truth/").json()
    assert host_client.get("/api/v1/competitions/gt/").json()["has_ground_truth"] is True


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("id,prediction\na,1\n", 1, "the header must be 'id,expected,usage'"),
        ("id,expected,usage\na,1,Public\nb,2,Secret\n", 3, "usage must be Public or Private"),
        ("id,expected,usage\na,1,Public\na,2,Private\n", 3, "appears more than once"),
        ("id,expected,usage\na,x,Public\nb,2,Private\n", 2, "is not a finite number"),
        ("id,expected,usage\na,1,Public\n", 3, "no Private rows"),
        ("id,expected,usage\n,1,Public\n", 2, "the id is empty"),
    ],
)
def test_invalid_files_name_the_first_bad_line(host_client, text, line, reason):
    response = upload(host_client, text)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_ground_truth"
    assert response.json()["error"]["details"]["line"] == line
    assert reason in response.json()["error"]["details"]["reason"]
