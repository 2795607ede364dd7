"""``python manage.py run_scoring_worker``: take scoring messages from SQS until SIGTERM (the worker service's
command; the same image as the web service)."""

from __future__ import annotations

import signal
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from submissions.worker.dispatch import sqs_client
from submissions.worker.sqs_loop import ScoringWorker, WorkerConfig


class Command(BaseCommand):
    help = "Score submissions from the SQS scoring queue (SCORING_QUEUE_URL) until stopped by SIGTERM."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--max-messages", type=int, default=None, help="Stop after handling this many messages.")
        parser.add_argument("--exit-when-idle", action="store_true", help="Stop when a long poll finds no message.")
        parser.add_argument("--wait-seconds", type=int, default=10, help="Long-poll wait of each receive (0-20).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SCORING_QUEUE_URL:
            raise CommandError(
                "SCORING_QUEUE_URL is not set: without a queue, submissions are scored in the web process itself"
            )
        config = replace(WorkerConfig.from_settings(), wait_seconds=options["wait_seconds"])
        worker = ScoringWorker(sqs_client(), config)
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signal_number, lambda *_: worker.stop())
        worker.run(max_messages=options["max_messages"], exit_when_idle=options["exit_when_idle"])
        if worker.overran:  # its work thread is stuck: only a new process (a new task) gets the CPU and memory back
            raise CommandError(
                f"a submission was still scoring after SCORING_MAX_SECONDS ({config.max_seconds} s): its message was "
                f"released; exiting after {worker.handled} message(s) so that ECS starts a new task"
            )
        self.stdout.write(f"scoring worker stopped after {worker.handled} message(s)")
