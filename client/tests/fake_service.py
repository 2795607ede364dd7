"""A scripted stand-in for the platform and its storage on 127.0.0.1: every request is recorded; each route answers
from a function of the request. ``platform()`` scripts the happy path of a submission, like the PLAN.md contract
(ticket, S3-like upload endpoint, complete, the submission's statuses in turn)."""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SLUG = "titanic"
SUBMISSION_ID = 7
SUBMISSIONS = f"/api/v1/competitions/{SLUG}/submissions/"
TICKET_FIELDS = {
    "key": "submissions/3/11/0f1e2d.csv",
    "Content-Type": "text/csv",
    "tagging": "<Tagging><TagSet><Tag><Key>upload</Key><Value>pending</Value></Tag></TagSet></Tagging>",
    "policy": "eyJleHBpcmF0aW9uIjogIjIwMzAtMDEtMDFUMDA6MDA6MDBaIn0=",
    "x-amz-signature": "c0ffee",
}


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form_parts(self) -> list[tuple[str, str | None, bytes]]:
        """(name, filename, content) of each multipart part, in order, read by the standard library's parser."""
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode() + self.body
        )
        parts = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            content = part.get_payload(decode=True)
            assert isinstance(content, bytes)
            parts.append((str(name), part.get_filename(), content))
        return parts


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: Any, **headers: str) -> Reply:
        return cls(status, json.dumps(data).encode(), {"Content-Type": "application/json", **headers})

    @classmethod
    def error(cls, status: int, code: str, message: str, details: dict[str, Any] | None = None) -> Reply:
        return cls.json(status, {"error": {"code": code, "message": message, "details": details or {}}})

    @classmethod
    def dropped(cls) -> Reply:
        """No answer at all: the connection is closed (a load balancer or task that went away)."""
        return cls(0)


Route = Callable[[Recorded], Reply]


class FakeService:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.routes: dict[tuple[str, str], Route] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorded = Recorded(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
                )
                fake.requests.append(recorded)
                route = fake.routes.get((self.command, self.path.split("?")[0]))
                reply = route(recorded) if route else Reply.error(404, "not_found", f"no route {self.path}")
                if reply.status == 0:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, method: str, path: str, route: Route) -> None:
        self.routes[(method, path)] = route

    def paths(self) -> list[tuple[str, str]]:
        return [(request.method, request.path) for request in self.requests]

    def __enter__(self) -> FakeService:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def submission(status: str, **extra: Any) -> dict[str, Any]:
    return {"id": SUBMISSION_ID, "status": status, "public_score": None, "private_score": None, "error": None} | extra


def in_turn(*replies: Reply) -> Route:
    """Each call answers the next reply; the last one repeats."""
    queue: Iterator[Reply] = iter(replies)
    last = [replies[-1]]

    def route(request: Recorded) -> Reply:
        last[0] = next(queue, last[0])
        return last[0]

    return route


def platform(fake: FakeService, *statuses: dict[str, Any]) -> None:
    """The happy path: a ticket for the fake's own S3-like endpoint, a 204 upload, ``complete`` answering queued,
    then the submission's representations in turn (default: scoring, then scored)."""
    ticket = {"url": f"{fake.url}/upload/", "fields": TICKET_FIELDS, "expires_at": "2030-01-01T00:00:00Z"}
    fake.route("POST", SUBMISSIONS, lambda request: Reply.json(201, submission("awaiting_upload", upload=ticket)))
    fake.route("POST", "/upload/", lambda request: Reply(204))
    fake.route("POST", f"{SUBMISSIONS}{SUBMISSION_ID}/complete/", lambda request: Reply.json(200, submission("queued")))
    shown = statuses or (submission("scoring"), submission("scored", public_score=0.8125, private_score=None))
    fake.route("GET", f"{SUBMISSIONS}{SUBMISSION_ID}/", in_turn(*(Reply.json(200, s) for s in shown)))
