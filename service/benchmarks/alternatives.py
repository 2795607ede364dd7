"""Leaderboard implementations to compare against the denormalized one, served through the same stack.

``NaiveLeaderboardView`` computes each team's best submission by looping over the teams in Python (one query
per team). ``RawSqlLeaderboardView`` ranks straight from the submissions table with window functions (no
denormalized table). Both answer the same JSON as the real endpoint, so the benchmark can compare them.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from rest_framework.request import Request
from rest_framework.response import Response

from competitions.api import CompetitionScopedView
from leaderboards.models import Board
from submissions.models import Submission, SubmissionStatus
from teams.models import Team

PAGE_SIZE = 50


def _page_number(request: Request) -> int:
    return max(1, int(request.query_params.get("page", "1")))


def _board(request: Request) -> str:
    return request.query_params.get("board", Board.PUBLIC)


class NaiveLeaderboardView(CompetitionScopedView):
    def get(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        field = "public_score" if _board(request) == Board.PUBLIC else "private_score"
        higher = competition.higher_is_better
        rows: list[dict[str, Any]] = []
        for team in Team.objects.filter(competition=competition).order_by("id"):
            best = (
                Submission.objects.filter(team=team, status=SubmissionStatus.SCORED)
                .order_by(f"-{field}" if higher else field, "created_at", "id")
                .values("id", field, "created_at")
                .first()
            )
            if best is not None:
                rows.append(
                    {
                        "team_id": team.pk,
                        "team_name": team.name,
                        "score": best[field],
                        "submission_id": best["id"],
                        "submitted_at": best["created_at"],
                    }
                )
        rows.sort(key=lambda r: (-r["score"] if higher else r["score"], r["submitted_at"], r["team_id"]))
        previous = None
        for position, row in enumerate(rows, start=1):
            row["rank"] = previous["rank"] if previous and previous["score"] == row["score"] else position
            previous = row
        page = _page_number(request)
        my_team = self.authz.team_id_in(competition)
        mine = next((row for row in rows if row["team_id"] == my_team), None)
        return Response(
            {
                "count": len(rows),
                "results": rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
                "my_team": mine,
            }
        )


RAW_SQL = """
WITH best AS (
    SELECT DISTINCT ON (s.team_id) s.team_id, s.id AS submission_id, s.{field} AS score, s.created_at
    FROM submissions_submission s
    WHERE s.competition_id = %(competition)s AND s.status = 'scored'
    ORDER BY s.team_id, s.{field} {direction}, s.created_at, s.id
), ranked AS (
    SELECT b.*, t.name AS team_name,
           RANK() OVER (ORDER BY b.score {direction}) AS rank,
           ROW_NUMBER() OVER (ORDER BY b.score {direction}, b.created_at, b.team_id) AS position,
           COUNT(*) OVER () AS total
    FROM best b JOIN teams_team t ON t.id = b.team_id
)
SELECT team_id, team_name, score, submission_id, created_at, rank, total, position
FROM ranked
WHERE position > %(offset)s AND position <= %(offset)s + %(limit)s OR team_id = %(my_team)s
ORDER BY position
"""


class RawSqlLeaderboardView(CompetitionScopedView):
    def get(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        field = "public_score" if _board(request) == Board.PUBLIC else "private_score"
        direction = "DESC" if competition.higher_is_better else "ASC"
        offset = (_page_number(request) - 1) * PAGE_SIZE
        my_team = self.authz.team_id_in(competition) or -1
        with connection.cursor() as cursor:
            cursor.execute(
                RAW_SQL.format(field=field, direction=direction),
                {"competition": competition.pk, "offset": offset, "limit": PAGE_SIZE, "my_team": my_team},
            )
            columns = [column.name for column in cursor.description]
            found = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
        page = [row for row in found if offset < row["position"] <= offset + PAGE_SIZE]
        mine = next((row for row in found if row["team_id"] == my_team), None)
        return Response({"count": found[0]["total"] if found else 0, "results": page, "my_team": mine})
