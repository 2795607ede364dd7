"""Operator-facing pieces: the seed command, the admin, migrations and the benchmark entry point."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from competitions.models import Competition
from leaderboards.models import LeaderboardEntry
from submissions.models import Submission

SERVICE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_seed_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed", stdout=io.StringIO())
    counts = (Competition.objects.count(), Submission.objects.count(), LeaderboardEntry.objects.count())
    call_command("seed", stdout=io.StringIO())
    assert counts == (
        Competition.objects.count(),
        Submission.objects.count(),
        LeaderboardEntry.objects.count(),
    )
    assert counts[1] == 5


@pytest.mark.django_db
def test_seed_refuses_to_run_in_production():
    with pytest.raises(CommandError, match="DJANGO_DEBUG=true"):
        call_command("seed")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page",
    [
        "competitions/competition/",
        "competitions/groundtruth/",
        "teams/team/",
        "submissions/submission/",
        "leaderboards/leaderboardentry/",
        "access/role/",
        "access/rolebinding/",
        "access/auditevent/",
    ],
)
def test_admin_pages_load_for_operators(admin_client, settings, page):
    settings.DEBUG = True
    call_command("seed", stdout=io.StringIO())
    assert admin_client.get(f"/admin/{page}").status_code == 200


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_the_benchmark_runs_at_a_small_scale(tmp_path):
    output = tmp_path / "RESULTS.md"
    result = subprocess.run(  # noqa: S603 - the test's own interpreter
        [
            sys.executable,
            "-W",
            "ignore",
            "-m",
            "benchmarks.leaderboard",
            "--teams",
            "60",
            "--submissions",
            "600",
            "--requests",
            "20",
            "--upload-requests",
            "3",
            "--naive-requests",
            "2",
            "--output",
            str(output),
        ],
        cwd=SERVICE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    text = output.read_text()
    assert "| leaderboard, page 1 |" in text
    assert "naive" in text
