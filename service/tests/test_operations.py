"""Operator-facing pieces: the seed command, the admin, migrations and the benchmark entry point."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from access.builtin_roles import COMPETITION_HOST
from access.models import AuditEvent, Role, RoleBinding
from competitions.models import Competition
from leaderboards.models import LeaderboardEntry
from submissions.models import Submission

from .factories import client_for, make_competition, make_user

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


def test_role_bindings_changed_in_the_admin_are_audited(admin_client, admin_user, settings):
    settings.DEBUG = True  # the admin's static files without collectstatic
    competition = make_competition("audited", make_user("host"))
    alice = make_user("alice")
    host_role = Role.objects.get(name=COMPETITION_HOST)

    response = admin_client.post(
        "/admin/access/rolebinding/add/",
        {"role": host_role.pk, "user": alice.pk, "scope": "competition", "competition": competition.pk},
    )
    assert response.status_code == 302, response.content[:1000]
    binding = RoleBinding.objects.get(user=alice)
    response = admin_client.post(f"/admin/access/rolebinding/{binding.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302

    events = AuditEvent.objects.filter(target_type="rolebinding", competition=competition).order_by("id")
    assert [(e.action, e.actor_username, e.decision) for e in events] == [
        ("rolebinding.create", admin_user.username, "allow"),
        ("rolebinding.delete", admin_user.username, "allow"),
    ]
    assert events[0].reason == f"allowed by the Django admin (staff user {admin_user.username})"
    assert events[0].details == {"user": "alice", "role": COMPETITION_HOST, "scope": "competition", "team": None}
    # Hosts read it through the API like every other permission change.
    host_view = client_for(get_user_model().objects.get(username="host")).get("/api/v1/competitions/audited/audit-log/")
    assert {"rolebinding.create", "rolebinding.delete"} <= {row["action"] for row in host_view.json()["results"]}


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
