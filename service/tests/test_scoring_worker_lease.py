"""The worker's lease on a message and its task's scale-in protection (moto's SQS, a small local HTTP server standing
in for the ECS agent): receives ask for the lease, a unit of work past ``max_seconds`` gives its message back and
stops the worker, and a task holding a message is protected from scale-in, without an agent that fails ever stopping
the scoring."""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from submissions.models import Submission
from submissions.worker import scoring
from submissions.worker.messages import ScoringMessage
from submissions.worker.scoring import Outcome, score_submission
from submissions.worker.sqs_loop import ScoringWorker

from .factories import all_correct, upload_predictions
from .upload_flow import participant

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Agent:
    """What the ECS agent's task-protection endpoint was asked, and the status it answers."""

    url: str = ""
    status: int = 200
    requests: list[tuple[str, str, Any]] = field(default_factory=list)


@pytest.fixture
def agent() -> Iterator[Agent]:
    recorded = Agent()

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            recorded.requests.append((self.command, self.path, body))
            answer = json.dumps({"protection": body} if recorded.status == 200 else {"error": "agent trouble"})
            self.send_response(recorded.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorded.url = f"http://127.0.0.1:{server.server_address[1]}/v3/task-1"
    yield recorded
    server.shutdown()
    server.server_close()


@pytest.fixture
def submission_id(queues) -> int:
    response = upload_predictions(participant("lease", daily_submission_limit=5), "lease", all_correct())
    assert response.json()["status"] == "queued"
    return int(response.json()["id"])


def stuck_until(unblock: threading.Event, started: threading.Event | None = None):
    def stuck(pk: int) -> Outcome:
        if started:
            started.set()
        unblock.wait(10)
        return Outcome.NOTHING_TO_DO

    return stuck


def test_a_receive_asks_for_the_lease_not_the_queues_default(queues, submission_id, monkeypatch):
    asked: list[dict[str, Any]] = []
    receive = queues.client.receive_message

    def recording(**kwargs: Any) -> Any:
        asked.append(kwargs)
        return receive(**kwargs)

    monkeypatch.setattr(queues.client, "receive_message", recording)

    ScoringWorker(queues.client, queues.config(lease_seconds=45)).run(max_messages=1)

    assert [kwargs["VisibilityTimeout"] for kwargs in asked if kwargs["QueueUrl"] == queues.url] == [45]


def test_a_unit_of_work_past_max_seconds_releases_its_message_and_stops_the_worker(queues, submission_id, caplog):
    unblock = threading.Event()
    worker = ScoringWorker(queues.client, queues.config(max_seconds=0.3, heartbeat_seconds=0.1), stuck_until(unblock))
    try:
        worker.run()  # returns by itself: no stop was asked
    finally:
        unblock.set()

    assert worker.overran
    assert worker.handled == 0
    (released,) = queues.receive()  # back at once, not after the lease
    assert ScoringMessage.decode(released["Body"]).submission_id == submission_id
    assert released["Attributes"]["ApproximateReceiveCount"] == "2"
    assert f"submission {submission_id} still scoring after 0.3 s" in caplog.text


def test_the_command_exits_with_an_error_after_an_overrun(queues, submission_id, settings, monkeypatch):
    unblock = threading.Event()
    monkeypatch.setattr(scoring, "score_submission", stuck_until(unblock))
    settings.SCORING_MAX_SECONDS = 0.3
    previous = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        with pytest.raises(CommandError, match="still scoring after SCORING_MAX_SECONDS"):
            call_command("run_scoring_worker", "--wait-seconds", "0")
    finally:
        unblock.set()
        for number, handler in previous.items():
            signal.signal(number, handler)
    assert len(queues.receive()) == 1


def test_a_worker_holding_a_message_protects_its_task_from_scale_in(queues, submission_id, agent):
    seen_while_scoring: list[Any] = []

    def scored(pk: int) -> Outcome:
        seen_while_scoring.extend(agent.requests)
        return score_submission(pk)

    config = queues.config(ecs_agent_uri=agent.url, max_seconds=600, stop_seconds=25)
    ScoringWorker(queues.client, config, scored).run(max_messages=1)

    state = ("PUT", "/v3/task-1/task-protection/v1/state")
    assert seen_while_scoring == [(*state, {"ProtectionEnabled": True, "ExpiresInMinutes": 12})]
    assert agent.requests[1:] == [(*state, {"ProtectionEnabled": False})]
    assert Submission.objects.get(pk=submission_id).status == "scored"


def test_an_agent_that_fails_never_stops_the_scoring(queues, submission_id, agent, caplog):
    agent.status = 500
    caplog.set_level(logging.WARNING, logger="submissions.worker.task_protection")

    ScoringWorker(queues.client, queues.config(ecs_agent_uri=agent.url)).run(max_messages=1)

    assert Submission.objects.get(pk=submission_id).status == "scored"
    assert len(agent.requests) == 2
    assert "could not set the task's scale-in protection" in caplog.text


def test_an_unreachable_agent_never_stops_the_scoring(queues, submission_id, caplog):
    config = queues.config(ecs_agent_uri="http://127.0.0.1:9/v3/task-1")  # the discard port: refused

    ScoringWorker(queues.client, config).run(max_messages=1)

    assert Submission.objects.get(pk=submission_id).status == "scored"
    assert caplog.text.count("could not set the task's scale-in protection") == 2
