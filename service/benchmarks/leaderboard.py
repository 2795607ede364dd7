"""Leaderboard benchmark: ``cd service && ../.venv/bin/python -m benchmarks.leaderboard``.

Starts a throwaway PostgreSQL cluster, seeds one competition with ``--teams`` teams and ``--submissions``
scored submissions (COPY), then measures through the real Django stack (test client, URLs, authentication,
permission checks, serialization):

* the leaderboard endpoint (a 50-row page plus the caller's own row and rank): latency and SQL queries;
* the submission endpoint (upload, validate, take a daily slot, store, score, update the board);
* the same leaderboard computed naively (best score per team by looping over the teams in Python) and straight
  from the submissions table with window functions, in the same run.

Prints a table and writes ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from devtools.throwaway_postgres import ThrowawayPostgres

SERVICE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = SERVICE_DIR / "benchmarks" / "RESULTS.md"
GROUND_TRUTH_ROWS = 1000
SLUG = "bench"


@dataclass
class Measurement:
    name: str
    latencies_ms: list[float]
    queries: list[int]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def query_range(self) -> str:
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}-{high}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--submissions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="leaderboard requests measured")
    parser.add_argument("--upload-requests", type=int, default=50, help="submission uploads measured")
    parser.add_argument("--naive-requests", type=int, default=5, help="naive leaderboard requests measured")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the figures")
    parser.add_argument("--seed", type=int, default=20261125)
    return parser.parse_args(argv)


def configure_django(cluster: ThrowawayPostgres, media_root: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "competition_platform.settings",
            "DJANGO_SECRET_KEY": "benchmark-only-" + secrets.token_hex(24),
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_HOST": cluster.socket_dir,
            "DATABASE_PORT": str(cluster.port),
            "DATABASE_NAME": "bench",
            "DATABASE_USER": "app",
            "DATABASE_PASSWORD": "",
            "THROTTLE_SUBMISSIONS": "1000000/minute",
            # Seeding COPYs a million rows in one statement: beyond the service's 5 s default on a busy machine.
            "DATABASE_STATEMENT_TIMEOUT_MS": "600000",
        }
    )
    os.environ.pop("SUBMISSIONS_BUCKET", None)
    import django
    from django.conf import settings

    settings.ROOT_URLCONF = "benchmarks.urls"
    django.setup()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media_root},
        },
        "ground_truth": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": f"{media_root}/ground-truth"},
        },
    }


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
    seconds: float
    truth_rows: dict[str, list[float | str]]


def seed(teams: int, submissions: int, rng: random.Random) -> Seeded:
    """Users, one competition with ground truth, teams (COPY), submissions (COPY), then the board (SQL)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from access.builtin_roles import TEAM_MEMBER
    from access.models import Role, RoleBinding, Scope
    from competitions.ground_truth_files import store as store_ground_truth
    from competitions.models import Competition, GroundTruth, Metric
    from scoring.legacy_rows import ground_truth_from_rows
    from scoring.metrics import Metric as ScoringMetric
    from teams.models import Team, TeamMembership

    started = time.perf_counter()
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
    truth = ground_truth_from_rows(rows, ScoringMetric(competition.metric))
    GroundTruth.objects.create(
        competition=competition,
        version=truth.summary.version,
        file=store_ground_truth(competition.pk, truth),
        public_rows=truth.summary.public_rows,
        private_rows=truth.summary.private_rows,
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
        direction = "DESC" if competition.higher_is_better else "ASC"
        sign = "" if competition.higher_is_better else "-"
        for board, field in (("public", "public_score"), ("private", "private_score")):
            cursor.execute(
                "INSERT INTO leaderboards_leaderboardentry"  # noqa: S608 - fixed identifiers
                " (competition_id, team_id, board, submission_id, score, sort_key, submitted_at)"
                " SELECT DISTINCT ON (team_id) competition_id, team_id, %s, id,"
                f" {field}, {sign}{field}, created_at"
                " FROM submissions_submission WHERE competition_id = %s AND status = 'scored'"
                f" ORDER BY team_id, {field} {direction}, created_at, id",
                [board, competition.pk],
            )
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
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return Seeded(competition.pk, caller.pk, caller_team_id, time.perf_counter() - started, rows)


class QueryCounter:
    """Counts every SQL statement (CaptureQueriesContext keeps at most 9,000, the naive loop runs more)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def measure(name: str, count: int, request: Callable[[int], Any], warmup: int = 10) -> Measurement:
    from django.db import connection

    for index in range(min(warmup, count)):
        request(index)
    latencies: list[float] = []
    queries: list[int] = []
    for index in range(count):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            response = request(index)
            latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code not in (200, 201):
            raise SystemExit(f"{name}: unexpected {response.status_code}: {response.content[:300]!r}")
        queries.append(counter.count)
    return Measurement(name, latencies, queries)


def check_same_answers(client: Any, pages: list[int]) -> None:
    """The three implementations agree on the ranked rows and the caller's rank."""
    for page in pages:
        real = client.get(f"/api/v1/competitions/{SLUG}/leaderboard/?page={page}").json()
        naive = client.get(f"/bench/{SLUG}/naive-leaderboard/?page={page}").json()
        raw = client.get(f"/bench/{SLUG}/raw-sql-leaderboard/?page={page}").json()

        def key(rows: list[dict[str, Any]]) -> list[tuple[int, int]]:
            return [(row["team_id"], row["rank"]) for row in rows]

        if not (key(real["results"]) == key(naive["results"]) == key(raw["results"])):
            raise SystemExit(f"the implementations disagree on page {page}")
        if not (real["my_team"]["rank"] == naive["my_team"]["rank"] == raw["my_team"]["rank"]):
            raise SystemExit("the implementations disagree on the caller's rank")


def predictions_file(rng: random.Random, rows: dict[str, list[float | str]]) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = "id,prediction\n" + "".join(
        f"{row_id},{float(str(v)) + rng.gauss(0, 1):.4f}\n" for row_id, (v, _) in rows.items()
    )
    return lambda: SimpleUploadedFile("predictions.csv", body.encode(), content_type="text/csv")


def run(args: argparse.Namespace) -> str:
    rng = random.Random(args.seed)  # noqa: S311 - benchmark data
    with ThrowawayPostgres(extra_settings={"maintenance_work_mem": "'256MB'", "work_mem": "'16MB'"}) as cluster:
        create_database(cluster)
        with tempfile.TemporaryDirectory(prefix="bench-media-") as media_root:
            configure_django(cluster, media_root)
            from django.core.management import call_command
            from rest_framework.authtoken.models import Token
            from rest_framework.test import APIClient

            call_command("migrate", verbosity=0)
            print(f"seeding {args.teams} teams and {args.submissions} submissions ...", flush=True)
            seeded = seed(args.teams, args.submissions, rng)
            print(f"seeded in {seeded.seconds:.1f} s", flush=True)

            client = APIClient()
            token = Token.objects.create(user_id=seeded.caller_id)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            last_page = max(1, -(-args.teams // 50))
            check_same_answers(client, sorted({1, 2, last_page}))

            board = f"/api/v1/competitions/{SLUG}/leaderboard/"
            results = [
                measure("leaderboard, page 1", args.requests, lambda i: client.get(board)),
                measure(
                    "leaderboard, random page",
                    args.requests,
                    lambda i: client.get(f"{board}?page={rng.randint(1, last_page)}"),
                ),
                measure(
                    "leaderboard, last page",
                    max(10, args.requests // 4),
                    lambda i: client.get(f"{board}?page={last_page}"),
                ),
            ]
            make_upload = predictions_file(rng, seeded.truth_rows)
            uploads = f"/api/v1/competitions/{SLUG}/submissions/"
            results.append(
                measure(
                    f"submission upload ({GROUND_TRUTH_ROWS} rows, scored)",
                    args.upload_requests,
                    lambda i: client.post(uploads, {"file": make_upload()}, format="multipart"),
                    warmup=3,
                )
            )
            results.append(
                measure(
                    "raw SQL window functions over submissions, page 1",
                    max(5, args.requests // 10),
                    lambda i: client.get(f"/bench/{SLUG}/raw-sql-leaderboard/"),
                    warmup=2,
                )
            )
            results.append(
                measure(
                    "naive: best per team in a Python loop, page 1",
                    args.naive_requests,
                    lambda i: client.get(f"/bench/{SLUG}/naive-leaderboard/"),
                    warmup=1,
                )
            )
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                server_version = cursor.fetchone()[0]
    return report(args, seeded, results, server_version)


def report(args: argparse.Namespace, seeded: Seeded, results: list[Measurement], server_version: str) -> str:
    leaderboard = results[0]
    naive = results[-1]
    lines = [
        "# Leaderboard benchmark",
        "",
        f"Generated by `python -m benchmarks.leaderboard` on {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC: "
        f"{args.teams:,} teams, {args.submissions:,} scored submissions, PostgreSQL {server_version}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs. "
        f"Seeding (COPY) took {seeded.seconds:.1f} s.",
        "",
        "Every request goes through the full Django stack (test client, token authentication, bindings, "
        "permission checks, serialization). The leaderboard answer is a 50-row page plus the caller's own "
        "row and rank.",
        "",
        "| Endpoint | Requests | p50 (ms) | p95 (ms) | SQL queries per request |",
        "|---|---:|---:|---:|---:|",
    ]
    for result in results:
        lines.append(
            f"| {result.name} | {len(result.latencies_ms)} | {result.p50:.1f} | {result.p95:.1f} "
            f"| {result.query_range} |"
        )
    lines += [
        "",
        f"Targets: leaderboard p50 ≤ 25 ms ({'met' if leaderboard.p50 <= 25 else 'MISSED'}), "
        f"p95 ≤ 60 ms ({'met' if leaderboard.p95 <= 60 else 'MISSED'}). The denormalized leaderboard is "
        f"{naive.p50 / leaderboard.p50:,.0f}× faster than the naive loop at p50.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(SERVICE_DIR))
    text = run(args)
    print()
    print(text)
    args.output.write_text(text, encoding="utf-8")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
