"""``manage.py seed``: a demo competition, users, teams and scored submissions (idempotent, dev only)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from access.audit import AuditAction, AuthorizedAction
from access.authorizer import AccessDecision
from access.builtin_roles import COMPETITION_ORGANIZER, PLATFORM_ADMIN
from access.models import Role, RoleBinding, Scope
from access.services import sync_builtin_roles
from competitions.ground_truth_services import upload_ground_truth
from competitions.models import Competition, Metric, Visibility
from competitions.services import CompetitionFields, create_competition
from submissions.models import Submission
from submissions.services import submit_file
from teams.models import Team
from teams.services import create_team, join_team

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - printed demo credentials, refused outside DEBUG
LABELS = ["cat", "dog", "bird"]


def demo_truth() -> dict[str, tuple[str, str]]:
    """The demo ground truth: id -> (label, usage), the same on every run."""
    rng = random.Random(7)  # noqa: S311 - demo data
    return {f"r{i:03d}": (rng.choice(LABELS), "Public" if i % 3 else "Private") for i in range(150)}


def seeded(action: AuditAction, actor: User, competition: Competition | None = None) -> AuthorizedAction:
    """The seed command acts for the demo users, allowed by itself."""
    decision = AccessDecision(True, "allowed: created by the seed command")
    return AuthorizedAction(decision=decision, action=action, actor=actor, competition=competition)


class Command(BaseCommand):
    help = "Create a demo competition with users, teams and scored submissions (safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Also run when DEBUG is off (never in production).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed creates users with a known password: run it with DJANGO_DEBUG=true")
        sync_builtin_roles()
        users = self._users()
        competition = self._competition(users["host"])
        self._teams_and_submissions(competition, users)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: competition '{competition.slug}'. Users admin, host, alice, bob, carol, dave "
                f"(password '{DEMO_PASSWORD}'); admin is also a Django superuser for /admin/."
            )
        )

    def _users(self) -> dict[str, User]:
        users: dict[str, User] = {}
        for name in ("admin", "host", "alice", "bob", "carol", "dave"):
            user, created = User.objects.get_or_create(username=name, defaults={"email": f"{name}@example.com"})
            if created:
                user.set_password(DEMO_PASSWORD)
                if name == "admin":
                    user.is_staff = user.is_superuser = True
                user.save()
            users[name] = user
        for username, role in (("admin", PLATFORM_ADMIN), ("host", COMPETITION_ORGANIZER)):
            RoleBinding.objects.get_or_create(
                user=users[username], role=Role.objects.get(name=role), scope=Scope.PLATFORM
            )
        return users

    def _competition(self, host: User) -> Competition:
        existing = Competition.objects.filter(slug="iris-demo").first()
        if existing:
            return existing
        now = timezone.now()
        competition = create_competition(
            authorized=seeded(AuditAction.COMPETITION_CREATE, host),
            slug="iris-demo",
            fields=CompetitionFields(
                title="Iris species (demo)",
                description="Predict the species of each flower (accuracy, public and private split).",
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=30),
                visibility=Visibility.PUBLIC,
                metric=Metric.ACCURACY,
                daily_submission_limit=5,
                max_team_size=3,
            ),
        )
        upload_ground_truth(
            authorized=seeded(AuditAction.GROUND_TRUTH_UPLOAD, host, competition),
            competition=competition,
            upload=ContentFile(
                (
                    "id,expected,usage\n"
                    + "".join(f"{row_id},{label},{usage}\n" for row_id, (label, usage) in demo_truth().items())
                ).encode(),
                name="truth.csv",
            ),
        )
        return competition

    def _teams_and_submissions(self, competition: Competition, users: dict[str, User]) -> None:
        if Submission.objects.filter(competition=competition).exists():
            return
        teams: dict[str, Team] = {}
        for name, captain in (("Petal Pushers", "alice"), ("Sepal Squad", "carol")):
            teams[name] = Team.objects.filter(competition=competition, name=name).first() or create_team(
                authorized=seeded(AuditAction.TEAM_CREATE, users[captain], competition),
                competition=competition,
                name=name,
            )
        petal_pushers = teams["Petal Pushers"]
        if not petal_pushers.memberships.filter(user=users["bob"]).exists():
            join_team(
                authorized=seeded(AuditAction.TEAM_JOIN, users["bob"], competition),
                team=petal_pushers,
                invite_code=petal_pushers.invite_code,
            )
        truth = demo_truth()
        rng = random.Random(11)  # noqa: S311 - demo data
        for team_name, member, skills in (
            ("Petal Pushers", "alice", (0.6, 0.8)),
            ("Sepal Squad", "carol", (0.5, 0.7, 0.9)),
        ):
            for skill in skills:
                lines = ["id,prediction"] + [
                    f"{row_id},{expected if rng.random() < skill else rng.choice(LABELS)}"
                    for row_id, (expected, _usage) in truth.items()
                ]
                upload = ContentFile("\n".join(lines).encode(), name="predictions.csv")
                submit_file(
                    authorized=seeded(AuditAction.SUBMISSION_CREATE, users[member], competition),
                    competition=competition,
                    team=teams[team_name],
                    upload=upload,
                )
