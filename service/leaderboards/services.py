"""Keeping the denormalized leaderboard in step with scored and deleted submissions.

Both functions run inside the caller's transaction, so a board never shows a submission that is not stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection

from .models import Board, LeaderboardEntry

if TYPE_CHECKING:
    from submissions.models import Submission


def _upsert_sql() -> str:
    table = connection.ops.quote_name(LeaderboardEntry._meta.db_table)
    # One statement, safe under concurrency: insert, or replace only with a strictly better score, or an equal
    # score submitted earlier (ties go to the earlier submission). Works on PostgreSQL and SQLite.
    return (
        f"INSERT INTO {table} (competition_id, team_id, board, submission_id, score, sort_key, submitted_at) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (team_id, board) DO UPDATE SET "
        "submission_id = excluded.submission_id, score = excluded.score, sort_key = excluded.sort_key, "
        "submitted_at = excluded.submitted_at "
        f"WHERE excluded.sort_key > {table}.sort_key "
        f"OR (excluded.sort_key = {table}.sort_key AND excluded.submitted_at < {table}.submitted_at)"
    )


def _offer(submission: Submission, board: str) -> None:
    score = submission.public_score if board == Board.PUBLIC else submission.private_score
    if score is None:
        return
    sort_key = submission.competition.metric_spec.sort_key(score)
    with connection.cursor() as cursor:
        cursor.execute(
            _upsert_sql(),
            [
                submission.competition_id,
                submission.team_id,
                board,
                submission.pk,
                score,
                sort_key,
                submission.created_at,
            ],
        )


def record_scored_submission(submission: Submission) -> None:
    """Offer a newly scored submission to both boards of its team."""
    if not submission.is_scored:
        return
    for board in Board.values:
        _offer(submission, board)


def forget_submission(submission: Submission) -> None:
    """Before a submission is deleted: its team's entries fall back to the best remaining submission."""
    from submissions.models import Submission, SubmissionStatus

    affected = list(LeaderboardEntry.objects.filter(submission=submission).values_list("board", flat=True))
    if not affected:
        return
    LeaderboardEntry.objects.filter(submission=submission).delete()
    remaining = Submission.objects.filter(team_id=submission.team_id, status=SubmissionStatus.SCORED).exclude(
        pk=submission.pk
    )
    higher_is_better = submission.competition.higher_is_better
    for board in affected:
        field = "public_score" if board == Board.PUBLIC else "private_score"
        order = f"-{field}" if higher_is_better else field
        best = remaining.select_related("competition").order_by(order, "created_at", "id").first()
        if best is not None:
            _offer(best, board)
