"""The flow benchmarks' set-up, run in the service's environment (``Stack.python``): prints one JSON object.

* ``bucket NAME``: the S3 bucket (moto's).
* ``competition TRUTH_CSV METRIC TEAMS``: a host, an open competition whose ground truth is uploaded through the
  service (Parquet into storage), and ``TEAMS`` participants with a team and an API token each.
* ``backlog SLUG PREDICTIONS_CSV COUNT``: ``COUNT`` completed submissions of the competition's teams (the file
  stored once, every submission pointing at it; a slot taken for each), then one SQS message each, sent in batches
  of 10 with ``queued_at`` set to the moment of sending: a backlog arriving as fast as SQS takes it.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any


def bucket(name: str) -> dict[str, Any]:
    import boto3

    region = os.environ["AWS_REGION"]
    boto3.client("s3", region_name=region).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": region}
    )
    return {"bucket": name}


def competition(truth_csv: str, metric: str, teams: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from access.audit import AuditAction, AuthorizedAction
    from access.authorizer import AccessDecision
    from competitions.ground_truth_services import upload_ground_truth
    from competitions.models import Competition
    from teams.services import create_team

    users = get_user_model().objects
    host = users.create_user("bench-host", password="x" * 20)
    now = timezone.now()
    created = Competition.objects.create(
        slug=f"bench-{metric}",
        title="Flow benchmark",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
        metric=metric,
        daily_submission_limit=1_000_000,
    )
    allowed = AccessDecision(True, "allowed: benchmark set-up")

    def acting(action: AuditAction, actor: Any) -> AuthorizedAction:
        return AuthorizedAction(decision=allowed, action=action, actor=actor, competition=created)

    with Path(truth_csv).open("rb") as source:
        upload_ground_truth(
            authorized=acting(AuditAction.GROUND_TRUTH_UPLOAD, host), competition=created, upload=File(source)
        )
    tokens, team_ids = [], []
    for index in range(teams):
        user = users.create_user(f"bench-{index}", password="x" * 20)
        team = create_team(authorized=acting(AuditAction.TEAM_CREATE, user), competition=created, name=f"T{index}")
        tokens.append(Token.objects.create(user=user).key)
        team_ids.append(team.pk)
    return {"slug": created.slug, "tokens": tokens, "team_ids": team_ids}


def backlog(slug: str, predictions_csv: str, count: int) -> dict[str, Any]:
    import boto3
    from django.conf import settings
    from django.core.files import File
    from django.utils import timezone

    from competitions.models import Competition
    from submissions.models import DailySubmissionQuota, Submission, SubmissionStatus, submission_name
    from submissions.slots import utc_day
    from submissions.worker.messages import ScoringMessage

    created = Competition.objects.get(slug=slug)
    teams = list(created.teams.order_by("pk"))
    with Path(predictions_csv).open("rb") as source:
        name = Submission.file.field.storage.save(
            submission_name(created.pk, teams[0].pk, compressed=False), File(source)
        )
    day = utc_day()
    rows = [
        Submission(
            competition=created,
            team=teams[index % len(teams)],
            status=SubmissionStatus.QUEUED,
            file=name,
            original_name="predictions.csv",
            slot_day=day,
        )
        for index in range(count)
    ]
    submissions = Submission.objects.bulk_create(rows)
    DailySubmissionQuota.objects.bulk_create(
        [DailySubmissionQuota(team=team, day=day, used=count // len(teams) + 1) for team in teams]
    )
    sqs = boto3.client("sqs", region_name=settings.AWS_REGION)
    for start in range(0, count, 10):
        batch = submissions[start : start + 10]
        Submission.objects.filter(pk__in=[row.pk for row in batch]).update(queued_at=timezone.now())
        entries = [{"Id": str(row.pk), "MessageBody": ScoringMessage(row.pk).encode()} for row in batch]
        sqs.send_message_batch(QueueUrl=settings.SCORING_QUEUE_URL, Entries=entries)
    return {"ids": [row.pk for row in submissions]}


def main(argv: list[str]) -> None:
    command, *arguments = argv
    if command == "bucket":
        result = bucket(arguments[0])
    else:
        import django

        django.setup()
        if command == "competition":
            result = competition(arguments[0], arguments[1], int(arguments[2]))
        elif command == "backlog":
            result = backlog(arguments[0], arguments[1], int(arguments[2]))
        else:
            raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
