"""Seeding the leaderboard benchmark's database: users, one competition with its ground truth, teams and scored
submissions by COPY, then both boards in SQL (the private one by its rule)."""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from devtools.throwaway_postgres import ThrowawayPostgres

GROUND_TRUTH_ROWS = 1000
SLUG = "bench"


def create_database(cluster: ThrowawayPostgres) -> None:
    import psycopg

    with psycopg.connect(
        host=cluster.socket_dir, port=cluster.port, user="app", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute("CREATE DATABASE bench")


@dataclass
class Seeded:
    competition_id: int
    caller_id: int
    caller_team_id: int
    host_id: int
    seconds: float


def seed(teams: int, submissions: int, rng: random.Random) -> Seeded:
    """Users, one competition with ground truth, teams (COPY), submissions (COPY), then the board (SQL)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from access.builtin_roles import COMPETITION_HOST, TEAM_MEMBER
    from access.models import Role, RoleBinding, Scope
    from competitions.models import Competition, GroundTruth, Metric
    from teams.models import Team, TeamMembership

    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Seeding is no request: the service's statement timeout (DATABASE_STATEMENT_TIMEOUT_MS) would cancel the
        # COPY of a million rows. Reset before anything is measured (the connection persists).
        cursor.execute("SET statement_timeout = 0")
    user_model = get_user_model()
    caller = user_model.objects.create_user("caller", password="caller-password")  # noqa: S106
    bulk = user_model.objects.create_user("bulk", password="bulk-password")  # noqa: S106
    now = datetime.now(tz=UTC)
    competition = Competition.objects.create(
        slug=SLUG,
        title="Benchmark",
        starts_at=now - timedelta(days=60),
        ends_at=now + timedelta(days=30),
        metric=Metric.RMSE,
        daily_submission_limit=1_000_000,
        max_team_size=5,
    )
    rows = {
        f"id{i:05d}": [round(rng.uniform(0, 10), 3), "Public" if i % 3 else "Private"] for i in range(GROUND_TRUTH_ROWS)
    }
    GroundTruth.objects.create(
        competition=competition,
        rows=rows,
        public_rows=sum(1 for _, usage in rows.values() if usage == "Public"),
        private_rows=sum(1 for _, usage in rows.values() if usage == "Private"),
    )
    created = now - timedelta(days=59)
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy(
            "COPY teams_team (competition_id, name, invite_code, created_at, created_by_id) FROM STDIN"
        ) as copy:
            for index in range(teams):
                copy.write_row((competition.pk, f"Team {index:05d}", secrets.token_urlsafe(9), created, bulk.pk))
        team_ids = list(Team.objects.filter(competition=competition).order_by("id").values_list("id", flat=True))
        skill = {team_id: rng.uniform(0.5, 3.0) for team_id in team_ids}
        window = int(timedelta(days=59).total_seconds())
        raw.execute("SET session_replication_role = replica")  # the rows are valid by construction: skip FK triggers
        with raw.cursor().copy(
            "COPY submissions_submission (competition_id, team_id, submitted_by_id, file, original_name,"
            " row_count, status, public_score, private_score, error, created_at, scored_at) FROM STDIN"
        ) as copy:
            for index in range(submissions):
                team_id = team_ids[index % len(team_ids)]
                public = round(skill[team_id] + abs(rng.gauss(0, 0.3)), 3)  # 3 decimals: plenty of ties
                private = round(public + rng.gauss(0, 0.1), 3)
                at = created + timedelta(seconds=rng.randrange(window))
                copy.write_row(
                    (
                        competition.pk,
                        team_id,
                        bulk.pk,
                        f"bench/{index}.csv",
                        "predictions.csv",
                        GROUND_TRUTH_ROWS,
                        "scored",
                        public,
                        abs(private),
                        "",
                        at,
                        at,
                    )
                )
        raw.execute("SET session_replication_role = origin")
        seed_boards(cursor, competition)
    caller_team_id = team_ids[len(team_ids) // 2]
    membership = TeamMembership.objects.create(team_id=caller_team_id, competition=competition, user=caller)
    RoleBinding.objects.create(
        role=Role.objects.get(name=TEAM_MEMBER),
        user=caller,
        scope=Scope.TEAM,
        competition=competition,
        team_id=caller_team_id,
        membership=membership,
    )
    host = user_model.objects.create_user("host", password="host-password")  # noqa: S106
    RoleBinding.objects.create(
        role=Role.objects.get(name=COMPETITION_HOST), user=host, scope=Scope.COMPETITION, competition=competition
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("RESET statement_timeout")
    return Seeded(competition.pk, caller.pk, caller_team_id, host.pk, time.perf_counter() - started)


def seed_boards(cursor: Any, competition: Any) -> None:
    """Both boards in SQL: the public one from every submission, the private one by its rule (no team marked a final
    submission: each team's best private score among its ``final_submissions_limit`` best public scores)."""
    direction = "DESC" if competition.higher_is_better else "ASC"
    sign = "" if competition.higher_is_better else "-"
    candidates = {
        "public": "submissions_submission",
        "private": "(SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY team_id"  # noqa: S608 - fixed identifiers
        f" ORDER BY public_score {direction}, created_at, id) AS position FROM submissions_submission"
        " WHERE competition_id = %(competition)s) ranked WHERE position <= %(limit)s)",
    }
    for board, field in (("public", "public_score"), ("private", "private_score")):
        cursor.execute(
            "INSERT INTO leaderboards_leaderboardentry"  # noqa: S608 - fixed identifiers
            " (competition_id, team_id, board, submission_id, score, sort_key, submitted_at)"
            " SELECT DISTINCT ON (team_id) competition_id, team_id, %(board)s, id,"
            f" {field}, {sign}{field}, created_at"
            f" FROM {candidates[board]} submissions WHERE competition_id = %(competition)s AND status = 'scored'"
            f" ORDER BY team_id, {field} {direction}, created_at, id",
            {"board": board, "competition": competition.pk, "limit": competition.final_submissions_limit},
        )
