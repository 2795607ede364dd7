"""The metric is frozen once a ground truth exists: the ground truth was read, and every score computed, under it."""

from __future__ import annotations

import pytest

from competitions.models import Competition

from .factories import client_for, csv_upload, make_competition, make_team, make_user, upload_predictions


@pytest.fixture
def host(db):
    return make_user("host")


def change_metric(client, slug: str, metric: str):
    return client.patch(f"/api/v1/competitions/{slug}/", {"metric": metric}, format="json")


def test_the_metric_cannot_change_once_a_ground_truth_exists(host):
    make_competition("labels", host, metric="accuracy")  # with a ground truth of labels, no submission yet

    response = change_metric(client_for(host), "labels", "rmse")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "metric_frozen"
    assert response.json()["error"]["details"] == {"field": "metric", "metric": "accuracy"}
    assert Competition.objects.get(slug="labels").metric == "accuracy"


def test_after_a_refused_change_uploads_still_score_under_the_frozen_metric(host):
    """Before the freeze the change went through and the next upload was refused, or accepted and failed to score
    (labels against a numeric metric) with its daily slot gone."""
    competition = make_competition("labels", host, metric="accuracy", daily_submission_limit=1)
    user = make_user("alice")
    make_team(competition, "A", user)
    change_metric(client_for(host), "labels", "rmse")

    response = upload_predictions(client_for(user), "labels")

    assert response.status_code == 201
    assert response.json()["status"] == "scored"


def test_the_metric_may_change_before_a_ground_truth_is_uploaded(host):
    make_competition("empty", host, metric="accuracy", truth=None)

    response = change_metric(client_for(host), "empty", "rmse")

    assert response.status_code == 200
    assert response.json()["metric"] == "rmse"


def test_sending_the_current_metric_again_is_no_change(host):
    make_competition("labels", host, metric="accuracy")

    response = client_for(host).patch(
        "/api/v1/competitions/labels/", {"metric": "accuracy", "title": "Renamed"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"


def test_a_ground_truth_read_under_a_metric_that_changed_meanwhile_is_refused(host, monkeypatch):
    """The upload parses the file before it takes the competition's row lock; a metric changed in between would
    leave labels under a numeric metric."""
    from competitions.ground_truth_files import parse_upload

    make_competition("moving", host, metric="accuracy", truth=None)

    def parse_then_change_the_metric(*args, **kwargs):
        parsed = parse_upload(*args, **kwargs)
        Competition.objects.filter(slug="moving").update(metric="rmse")
        return parsed

    monkeypatch.setattr("competitions.ground_truth_files.parse_upload", parse_then_change_the_metric)

    response = client_for(host).post(
        "/api/v1/competitions/moving/ground-truth/",
        {"file": csv_upload("id,expected,usage\na,cat,Public\nb,dog,Private\n")},
        format="multipart",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "metric_changed"
