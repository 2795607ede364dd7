"""Helpers of the upload-flow tests: ask for a ticket, upload with it as a client would, complete."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from .factories import all_correct, client_for, make_competition, make_team, make_user, predictions_csv

GOOD = predictions_csv(all_correct()).encode()


def participant(slug: str, daily_submission_limit: int) -> APIClient:
    """The client of the only member of a team in a new open competition ``slug``."""
    user = make_user("member")
    competition = make_competition(slug, make_user("host"), daily_submission_limit=daily_submission_limit)
    make_team(competition, "Team", user)
    return client_for(user)


def ask_ticket(client: APIClient, slug: str, data: bytes, name: str = "preds.csv", sha256: str | None = None) -> Any:
    body: dict[str, Any] = {"file_name": name, "size_bytes": len(data)}
    if sha256 is not None:
        body["sha256"] = sha256
    return client.post(f"/api/v1/competitions/{slug}/submissions/", body, format="json")


def post_form(client: APIClient, ticket: dict[str, Any], data: bytes, fields: dict[str, str] | None = None) -> Any:
    """POST the ticket's fields then the file, as S3 expects (to the service's own endpoint: its path)."""
    form: dict[str, Any] = dict(ticket["fields"] if fields is None else fields)
    form["file"] = SimpleUploadedFile("upload.csv", data)
    return APIClient().post(urlsplit(ticket["url"]).path, form, format="multipart")


def complete(client: APIClient, slug: str, submission_id: int) -> Any:
    return client.post(f"/api/v1/competitions/{slug}/submissions/{submission_id}/complete/")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
