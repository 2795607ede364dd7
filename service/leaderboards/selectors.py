"""Reading a leaderboard page and the caller's rank with a constant number of index-backed queries.

Standard competition ranking (1, 2, 2, 4): a team's rank is one plus the number of teams with a strictly
better score. Equal scores share a rank and are listed earliest submission first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from competitions.models import Competition

from .models import LeaderboardEntry
from .private_board import final_flag

ORDER = ("-sort_key", "submitted_at", "team_id")
ROW_FIELDS = ("team_id", "team__name", "score", "sort_key", "submission_id", "submitted_at")


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    team_id: int
    team_name: str
    score: float
    submission_id: int
    submitted_at: datetime


def board_entries(competition: Competition, board: str) -> QuerySet[LeaderboardEntry, dict[str, Any]]:
    """Ordered rows of one board, as dictionaries (the paginator slices this)."""
    entries = LeaderboardEntry.objects.filter(competition=competition, board=board).order_by(*ORDER)
    rows: QuerySet[LeaderboardEntry, dict[str, Any]] = entries.values(*ROW_FIELDS)
    return rows


def rank_of(competition: Competition, board: str, sort_key: float) -> int:
    """1 + COUNT of strictly better entries: an index range scan, never a scan in Python."""
    better = LeaderboardEntry.objects.filter(competition=competition, board=board, sort_key__gt=sort_key).count()
    return better + 1


def ranked_rows(competition: Competition, board: str, page: list[dict[str, Any]], offset: int) -> list[LeaderboardRow]:
    """Ranks for one page: one COUNT for the first row, the rest follow from the order of the page."""
    rows: list[LeaderboardRow] = []
    previous: dict[str, Any] | None = None
    rank = 0
    for index, entry in enumerate(page):
        if previous is None:
            rank = rank_of(competition, board, entry["sort_key"])
        elif entry["sort_key"] != previous["sort_key"]:
            rank = offset + index + 1
        rows.append(
            LeaderboardRow(
                rank=rank,
                team_id=entry["team_id"],
                team_name=entry["team__name"],
                score=entry["score"],
                submission_id=entry["submission_id"],
                submitted_at=entry["submitted_at"],
            )
        )
        previous = entry
    return rows


def team_row(competition: Competition, board: str, team_id: int | None) -> LeaderboardRow | None:
    """The caller's own row, wherever it is on the board."""
    if team_id is None:
        return None
    entry = board_entries(competition, board).filter(team_id=team_id).first()
    if entry is None:
        return None
    return ranked_rows(competition, board, [entry], offset=0)[0]


def with_final_flag(submissions: QuerySet[Any]) -> QuerySet[Any]:
    """Submissions with ``is_final`` (one of its team's final submissions), computed by the same query."""
    annotated: QuerySet[Any] = submissions.annotate(is_final=final_flag())
    return annotated
