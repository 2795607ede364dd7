"""Writing board rows: one ``INSERT ... ON CONFLICT (team, board) DO UPDATE`` for any number of rows, in raw SQL
(the ORM's bulk upsert cost more to build than to run, on every scoring). Works on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import datetime

from django.db import connection

from competitions.metrics import MetricSpec

from .models import LeaderboardEntry


@dataclass(frozen=True)
class EntryRow:
    competition_id: int
    team_id: int
    board: str
    submission_id: int
    score: float
    sort_key: float
    submitted_at: datetime


def board_order(
    metric: MetricSpec, score: float, submitted_at: datetime, submission_id: int
) -> tuple[float, datetime, int]:
    """Which of a team's candidates a board row shows (the smallest): the best score, then the earliest submission
    (as ``upsert_sql(only_if_better=True)`` decides too), then the lowest id."""
    return -metric.sort_key(score), submitted_at, submission_id


def upsert_sql(*, only_if_better: bool) -> str:
    """``only_if_better``: replace a row only with a strictly better score, or an equal score submitted earlier
    (ties go to the earlier submission): one statement, safe under concurrency. Otherwise the row is rewritten."""
    table = connection.ops.quote_name(LeaderboardEntry._meta.db_table)
    condition = (
        f" WHERE excluded.sort_key > {table}.sort_key "
        f"OR (excluded.sort_key = {table}.sort_key AND excluded.submitted_at < {table}.submitted_at)"
    )
    return (
        f"INSERT INTO {table} (competition_id, team_id, board, submission_id, score, sort_key, submitted_at) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (team_id, board) DO UPDATE SET "
        "submission_id = excluded.submission_id, score = excluded.score, sort_key = excluded.sort_key, "
        "submitted_at = excluded.submitted_at" + (condition if only_if_better else "")
    )


def upsert_entries(rows: Sequence[EntryRow], *, only_if_better: bool) -> None:
    """One statement for one row; for many, the driver sends them together (psycopg's pipeline)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(upsert_sql(only_if_better=only_if_better), astuple(rows[0]))
        else:
            cursor.executemany(upsert_sql(only_if_better=only_if_better), [astuple(row) for row in rows])
