import pytest
from django.db import connection


def test_liveness_answers_without_a_known_host_and_without_the_database(client):
    # No django_db mark: any database access would fail this test.
    response = client.get("/healthz", HTTP_HOST="10.0.12.34")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_liveness_never_redirects_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.12.34")
    assert response.status_code == 200


@pytest.mark.django_db
def test_readiness_checks_the_database(client):
    response = client.get("/readyz", HTTP_HOST="10.0.12.34")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_readiness_reports_503_with_a_reason_when_the_database_is_unreachable(client, monkeypatch, caplog):
    def broken_cursor(*args, **kwargs):
        raise OSError('connection to server at "db.internal" (10.0.3.7), port 5433 failed: user "app"')

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["reason"] == "database unreachable (OSError); see the service log"
    # The details (host, address, user) reach the log, never the public response.
    assert "10.0.3.7" not in response.content.decode()
    assert '"db.internal" (10.0.3.7), port 5433' in caplog.text


def test_unknown_host_is_rejected_for_other_paths_with_json(client):
    response = client.get("/api/v1/competitions/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
