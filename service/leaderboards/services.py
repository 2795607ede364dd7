"""Keeping the denormalized leaderboard in step with scored and deleted submissions: the one place that writes it
(with ``private_board``, which holds the private board's rule).

The submissions app calls these functions inside its own transactions, so a board never shows a submission that
is not stored. This app sits below submissions: it knows a submission only as a ``ScoredSubmission``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from django.db.models import QuerySet

from competitions.metrics import MetricSpec

from .entry_writes import EntryRow, board_order, upsert_entries
from .models import Board, LeaderboardEntry
from .private_board import refresh_private_entries


class ScoredSubmission(Protocol):
    """What a board row needs of a submission (``submissions.models.Submission`` is one)."""

    pk: Any
    competition_id: int
    team_id: int
    public_score: float | None
    private_score: float | None
    created_at: datetime

    def scored_of_team(self) -> QuerySet[Any]:
        """The scored submissions of the submission's team (itself included once it is scored)."""
        ...


def score_on(submission: ScoredSubmission, board: str) -> float | None:
    return submission.public_score if board == Board.PUBLIC else submission.private_score


def _offer(submission: ScoredSubmission, board: str, metric: MetricSpec) -> None:
    score = score_on(submission, board)
    if score is None:
        return
    row = EntryRow(
        competition_id=submission.competition_id,
        team_id=submission.team_id,
        board=board,
        submission_id=submission.pk,
        score=score,
        sort_key=metric.sort_key(score),
        submitted_at=submission.created_at,
    )
    upsert_entries([row], only_if_better=True)


def record_scored_submission(*, submission: ScoredSubmission, metric: MetricSpec) -> None:
    """A newly scored submission: offered to its team's public entry, and the team's private entry chosen again
    (``private_board``: it may now be among the team's best public scores). Call under the team's lock."""
    _offer(submission, Board.PUBLIC, metric)
    refresh_private_entries(
        competition_id=submission.competition_id,
        team_ids=[submission.team_id],
        scored=submission.scored_of_team(),
        metric=metric,
    )


def best_of(candidates: Iterable[ScoredSubmission], board: str, metric: MetricSpec) -> ScoredSubmission | None:
    """The submission a board shows for these: the best score, the earliest among equal ones (as the upsert)."""
    scored = [(score, candidate) for candidate in candidates if (score := score_on(candidate, board)) is not None]
    if not scored:
        return None
    return min(scored, key=lambda pair: board_order(metric, pair[0], pair[1].created_at, pair[1].pk))[1]


def forget_submission(*, submission: ScoredSubmission, metric: MetricSpec) -> None:
    """Before a submission is deleted, under its team's lock: the team's public entry falls back to the best of its
    other scored submissions (read only when the submission was the entry), and its private entry is chosen again
    without it (it may have been a final submission, or among the best public scores that the rule falls back on).
    Its final choice goes with it (a cascade)."""
    remaining = submission.scored_of_team().exclude(pk=submission.pk)
    if LeaderboardEntry.objects.filter(submission_id=submission.pk, board=Board.PUBLIC).delete()[0]:
        best = best_of(remaining, Board.PUBLIC, metric)
        if best is not None:
            _offer(best, Board.PUBLIC, metric)
    refresh_private_entries(
        competition_id=submission.competition_id, team_ids=[submission.team_id], scored=remaining, metric=metric
    )
