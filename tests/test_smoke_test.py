"""The post-deployment smoke test, against a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scripts.smoke_test import Answer, main, run_checks

# A full page of the public competitions list: far longer than a few kilobytes, as in production.
FULL_PAGE = {
    "count": 120,
    "results": [{"slug": f"competition-{n}", "description": "Predict the weather. " * 20} for n in range(50)],
}


class FakeService(BaseHTTPRequestHandler):
    """Answers /readyz with 503 for the first `not_ready_for` requests, then like a healthy service."""

    not_ready_for = 0
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 -- the name http.server calls
        type(self).requests.append(self.path)
        if self.path == "/readyz" and type(self).not_ready_for > 0:
            type(self).not_ready_for -= 1
            self._answer(503, {"status": "not ready", "reason": "database unreachable"})
        elif self.path in ("/readyz", "/api/v1/competitions/"):
            self._answer(200, {"status": "ok"} if self.path == "/readyz" else FULL_PAGE)
        else:
            self._answer(404, {"detail": "Not found."})

    def _answer(self, status: int, body: dict[str, object]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 -- signature of the base class
        pass


@pytest.fixture
def service_url() -> Iterator[str]:
    FakeService.not_ready_for = 0
    FakeService.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeService)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_healthy_service_passes(service_url: str) -> None:
    assert main(["--url", service_url, "--timeout", "5"]) == 0
    assert FakeService.requests == ["/readyz", "/api/v1/competitions/"]


def test_service_that_becomes_ready_passes_after_retries(service_url: str) -> None:
    FakeService.not_ready_for = 2

    failures = run_checks(service_url, 5, retry_seconds=0.01)

    assert failures == []
    assert FakeService.requests.count("/readyz") == 3


def test_service_that_never_becomes_ready_fails_with_the_reason(service_url: str) -> None:
    FakeService.not_ready_for = 10_000

    failures = run_checks(service_url, 0.2, retry_seconds=0.05)

    assert len(failures) == 1
    assert "/readyz: the service is up and its database answers failed: status 503" in failures[0]
    assert "database unreachable" in failures[0]


def test_non_json_answer_is_a_failure() -> None:
    failures = run_checks(
        "https://example.invalid", 0, fetch=lambda url: Answer(200, "<html>default page</html>"), sleep=lambda _: None
    )

    assert len(failures) == 2


def test_url_without_a_scheme_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--url", "staging.compete.example.com"])

    assert exited.value.code == 2
    assert "expected an http(s) URL" in capsys.readouterr().err
