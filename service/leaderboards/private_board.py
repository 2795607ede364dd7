"""The private board's rule: which of a team's scored submissions rank it there.

A team may mark up to its competition's ``final_submissions_limit`` scored submissions as final (until the end). The
private board ranks it by the best private score among its final submissions or, when it marked none, among its
``final_submissions_limit`` best public scores (equal public scores: the earliest submission first, as on the
boards). The best private score is chosen like on every board: the best score, the earliest submission among equal
ones. The rule is the same before the end (what hosts see) and after it (what everyone sees), so the board that
opens at the end is the one hosts watched.

Entries are rewritten from scratch, never compared with what is there: call ``refresh_private_entries`` under the
lock of every team it refreshes (``Team.lock``), in the transaction that changed the team's submissions or choices,
so that two writers of one team's entry run one after the other and the second reads what the first wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from competitions.metrics import MetricSpec
from competitions.models import Competition

from .entry_writes import EntryRow, board_order, upsert_entries
from .models import Board, FinalChoice, LeaderboardEntry


def final_flag() -> Exists:
    """Whether the submission of the outer query is one of its team's final submissions."""
    return Exists(FinalChoice.objects.filter(submission_id=OuterRef("pk")))


# Per team, its final submissions first, then its best public scores (the earliest first among equal ones), as
# many rows as the competition's limit. Raw SQL around the caller's queryset: compiling the same query through the
# ORM (a window over an annotated subquery) took four times as long as running it, on every scoring.
CANDIDATES_SQL = """
SELECT id, team_id, private_score, created_at, is_final FROM (
    SELECT s.id, s.team_id, s.private_score, s.created_at, f.submission_id IS NOT NULL AS is_final,
           ROW_NUMBER() OVER (
               PARTITION BY s.team_id
               ORDER BY f.submission_id IS NOT NULL DESC, s.public_score {direction}, s.created_at, s.id
           ) AS position
    FROM ({scored}) s LEFT JOIN {final_choices} f ON f.submission_id = s.id
) ranked
WHERE position <= (SELECT final_submissions_limit FROM {competitions} WHERE id = %s)
"""


def candidates(scored: QuerySet[Any], *, competition_id: int, metric: MetricSpec) -> list[dict[str, Any]]:
    """Per team of ``scored`` (scored submissions of one competition), its final submissions first, then its best
    public scores, as many rows as the competition's current ``final_submissions_limit``: one query.

    The limit is read by the same statement, so a writer holding the team's lock sees the limit a concurrent change
    committed before it (the change locks every team first). A team with final submissions has at most the limit
    of them, so all of them are among its rows."""
    columns = scored.order_by().values("id", "team_id", "public_score", "private_score", "created_at")
    inner, params = columns.query.sql_with_params()
    quote = connection.ops.quote_name
    sql = CANDIDATES_SQL.format(
        scored=inner,
        direction="DESC" if metric.higher_is_better else "ASC",
        final_choices=quote(FinalChoice._meta.db_table),
        competitions=quote(Competition._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, competition_id])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def best_per_team(rows: Iterable[dict[str, Any]], metric: MetricSpec) -> dict[int, dict[str, Any]]:
    """Each team's submission for the private board among its candidate rows: its final ones when it has any."""
    pools: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        pools.setdefault(row["team_id"], []).append(row)
    return {team_id: _best_private(pool, metric) for team_id, pool in pools.items()}


def _best_private(pool: list[dict[str, Any]], metric: MetricSpec) -> dict[str, Any]:
    finals = [row for row in pool if row["is_final"]]
    return min(finals or pool, key=lambda row: board_order(metric, row["private_score"], row["created_at"], row["id"]))


def refresh_private_entries(
    *, competition_id: int, team_ids: Iterable[int], scored: QuerySet[Any], metric: MetricSpec
) -> None:
    """Rewrite the private entries of ``team_ids`` from ``scored`` (their scored submissions, those about to be
    deleted left out): an upsert of the teams that have a candidate, a delete of those that have none. Two
    statements for one team (the candidates, then the write); call under the teams' locks."""
    best = best_per_team(candidates(scored, competition_id=competition_id, metric=metric), metric)
    without = [team_id for team_id in team_ids if team_id not in best]
    if without:
        LeaderboardEntry.objects.filter(team_id__in=without, board=Board.PRIVATE).delete()
    rows = [
        EntryRow(
            competition_id=competition_id,
            team_id=team_id,
            board=Board.PRIVATE,
            submission_id=row["id"],
            score=row["private_score"],
            sort_key=metric.sort_key(row["private_score"]),
            submitted_at=row["created_at"],
        )
        for team_id, row in best.items()
    ]
    upsert_entries(rows, only_if_better=False)
