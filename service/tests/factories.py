"""Small builders for tests: each makes only what it is asked for, through the same services the API uses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from access.audit import AuditAction, AuthorizedAction
from access.authorizer import AccessDecision
from access.builtin_roles import COMPETITION_HOST
from access.models import Role, RoleBinding, Scope
from competitions.models import Competition, GroundTruth
from submissions.models import Submission
from submissions.services import submit_predictions
from teams.models import Team
from teams.services import create_team, join_team

ALLOWED = AccessDecision(True, "allowed: test setup")


def allowed(action: AuditAction, actor: Any, competition: Competition) -> AuthorizedAction:
    return AuthorizedAction(decision=ALLOWED, action=action, actor=actor, competition=competition)


# Six rows, three per board.
LABELS_TRUTH: dict[str, list[object]] = {
    "a": ["cat", "Public"],
    "b": ["dog", "Public"],
    "c": ["cat", "Public"],
    "d": ["dog", "Private"],
    "e": ["cat", "Private"],
    "f": ["dog", "Private"],
}


def make_user(username: str) -> Any:
    return get_user_model().objects.create_user(username=username, password="pw-" + username)


def client_for(user: Any | None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def bind(user: Any, role: str, competition: Competition | None = None, team: Team | None = None) -> RoleBinding:
    scope = Scope.TEAM if team else Scope.COMPETITION if competition else Scope.PLATFORM
    return RoleBinding.objects.create(
        user=user, role=Role.objects.get(name=role), scope=scope, competition=competition, team=team
    )


def make_competition(
    slug: str,
    host: Any | None = None,
    *,
    visibility: str = "public",
    metric: str = "accuracy",
    started_days_ago: float = 1,
    ends_in_days: float = 30,
    daily_submission_limit: int = 5,
    max_team_size: int = 3,
    truth: dict[str, list[object]] | None = LABELS_TRUTH,
) -> Competition:
    now = timezone.now()
    competition = Competition.objects.create(
        slug=slug,
        title=slug.title(),
        starts_at=now - timedelta(days=started_days_ago),
        ends_at=now + timedelta(days=ends_in_days),
        visibility=visibility,
        metric=metric,
        daily_submission_limit=daily_submission_limit,
        max_team_size=max_team_size,
    )
    if host is not None:
        bind(host, COMPETITION_HOST, competition)
    if truth is not None:
        set_truth(competition, truth)
    return competition


def set_truth(competition: Competition, truth: dict[str, list[object]]) -> GroundTruth:
    public = sum(1 for _, usage in truth.values() if usage == "Public")
    return GroundTruth.objects.update_or_create(
        competition=competition,
        defaults={"rows": truth, "public_rows": public, "private_rows": len(truth) - public},
    )[0]


def make_team(competition: Competition, name: str, *members: Any) -> Team:
    team = create_team(
        authorized=allowed(AuditAction.TEAM_CREATE, members[0], competition), competition=competition, name=name
    )
    for member in members[1:]:
        join_team(
            authorized=allowed(AuditAction.TEAM_JOIN, member, competition), team=team, invite_code=team.invite_code
        )
    return team


def csv_upload(text: str, name: str = "predictions.csv") -> ContentFile[bytes]:
    return ContentFile(text.encode(), name=name)


def predictions_csv(values: dict[str, object]) -> str:
    return "id,prediction\n" + "".join(f"{row_id},{value}\n" for row_id, value in values.items())


def submit(competition: Competition, team: Team, user: Any, values: dict[str, object]) -> Submission:
    return submit_predictions(
        authorized=allowed(AuditAction.SUBMISSION_CREATE, user, competition),
        competition=competition,
        team=team,
        upload=csv_upload(predictions_csv(values)),
    )


def all_correct(truth: dict[str, list[object]] = LABELS_TRUTH) -> dict[str, object]:
    return {row_id: expected for row_id, (expected, _usage) in truth.items()}


def upload_predictions(client: APIClient, slug: str, values: dict[str, object] | None = None) -> Any:
    """POST a predictions file to the competition's submissions (all correct unless ``values`` are given)."""
    return client.post(
        f"/api/v1/competitions/{slug}/submissions/",
        {"file": csv_upload(predictions_csv(values if values is not None else all_correct()))},
        format="multipart",
    )
