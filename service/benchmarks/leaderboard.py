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
import itertools
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devtools.throwaway_postgres import ThrowawayPostgres

from .leaderboard_seed import GROUND_TRUTH_ROWS, SLUG, Seeded, create_database, seed

SERVICE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = SERVICE_DIR / "benchmarks" / "RESULTS.md"


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
    parser.add_argument("--limit-requests", type=int, default=4, help="changes of the final submissions limit")
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
            # The naive comparison makes 10,000 queries in one request: more than the production budget allows.
            "DATABASE_REQUEST_BUDGET_MS": "120000",
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
    }


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


def caller_submission(seeded: Seeded) -> int:
    """One of the caller's team's submissions (all of them are scored)."""
    from submissions.models import Submission

    return int(Submission.objects.filter(team_id=seeded.caller_team_id).values_list("pk", flat=True).first() or 0)


def predictions_file(rng: random.Random) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from competitions.models import GroundTruth

    rows = GroundTruth.objects.get(competition__slug=SLUG).rows
    body = "id,prediction\n" + "".join(
        f"{row_id},{float(v) + rng.gauss(0, 1):.4f}\n" for row_id, (v, _) in rows.items()
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
            private_board = f"{board}?board=private"
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
            host = APIClient()
            host.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user_id=seeded.host_id).key}")
            results.append(measure("private board, page 1 (host)", args.requests, lambda i: host.get(private_board)))
            final = f"/api/v1/competitions/{SLUG}/submissions/{caller_submission(seeded)}/final/"
            results.append(
                measure(
                    "final submission, mark or unmark (alternating)",
                    max(10, args.requests // 4),
                    lambda i: client.delete(final) if i % 2 else client.post(final),
                )
            )
            competition = f"/api/v1/competitions/{SLUG}/"
            limits = itertools.cycle([3, 2])  # each request a change (the warm-up's included)
            results.append(
                measure(
                    "final submissions limit changed (every private entry rebuilt)",
                    args.limit_requests,
                    lambda i: host.patch(competition, {"final_submissions_limit": next(limits)}, format="json"),
                    warmup=1,
                )
            )
            make_upload = predictions_file(rng)
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
