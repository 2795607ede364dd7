"""``python manage.py sweep_scoring``: re-send lost scoring messages, fail the submissions of dead letters, delete
expired upload tickets (``submissions.worker.sweep``). Idempotent; infra runs it every 5 minutes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from submissions.worker.sweep import sweep


class Command(BaseCommand):
    help = (
        "Send again the scoring messages that may be lost, mark the submissions of dead-letter messages failed, "
        "delete submissions whose upload ticket expired. Safe to run again at any time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(sweep().summary())
