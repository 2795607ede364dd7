"""``manage.py rebuild_private_boards [--competition SLUG]``: every private entry chosen again by the rule of final
submissions (``leaderboards.private_board``). Idempotent; for an operator after a release that changed the rule
(the previous release may have scored a few submissions by the old rule during the rollout)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from competitions.models import Competition
from submissions.finals import rebuild_private_board


class Command(BaseCommand):
    help = "Choose every private board entry again by the rule of final submissions (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--competition", metavar="SLUG", help="only this competition (default: every one)")

    def handle(self, *args: Any, **options: Any) -> None:
        competitions = Competition.objects.order_by("pk")
        if options["competition"]:
            competitions = competitions.filter(slug=options["competition"])
            if not competitions.exists():
                raise CommandError(f"no competition with the slug {options['competition']!r}")
        for competition in competitions:
            teams = rebuild_private_board(competition=competition)
            self.stdout.write(f"{competition.slug}: the private entries of {teams} team(s) chosen again")
