"""The platform's JSON API over urllib: token authentication, the error shape turned into ``ServiceError``, and a
few retries of reads and idempotent changes when the service says it is briefly unavailable (503 with
``Retry-After``) or the connection broke."""

from __future__ import annotations

import http.client
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from . import __version__
from .errors import NetworkError, ServiceError, UnexpectedAnswer

USER_AGENT = f"competition-client/{__version__} (Python {sys.version_info.major}.{sys.version_info.minor})"
TIMEOUT_SECONDS = 60.0
READ_RETRIES = 3
RETRY_AFTER_CAP_SECONDS = 30.0

Json = dict[str, Any]


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Json:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            raise UnexpectedAnswer(f"the service answered HTTP {self.status} with a body that is not JSON") from None
        if not isinstance(data, dict):
            raise UnexpectedAnswer(f"the service answered HTTP {self.status} with JSON that is not an object")
        return data


def send(
    url: str,
    *,
    method: str,
    headers: Mapping[str, str],
    body: bytes | Iterable[bytes] | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> Response:
    """One HTTP request; any status is returned (urllib's HTTPError is a response too), only a failure to talk to
    the server raises ``NetworkError``. A body that is an iterable of chunks needs a Content-Length header."""
    if not url.startswith(("http://", "https://")):
        raise NetworkError(f"refusing to send a request to {url!r}: only http and https are allowed")
    request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)  # noqa: S310 - checked
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http(s) only, checked above
            return Response(answer.status, dict(answer.headers.items()), answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, dict(error.headers.items()), error.read())
    except (OSError, http.client.HTTPException) as error:  # URLError, timeouts and resets are OSErrors
        reason = getattr(error, "reason", error)
        raise NetworkError(f"cannot reach {url.split('?')[0]}: {reason}") from None


def service_error(response: Response) -> ServiceError:
    """The platform's error shape, or what can be said without it."""
    try:
        error = json.loads(response.body).get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        details = error.get("details") if isinstance(error.get("details"), dict) else {}
        return ServiceError(response.status, str(error.get("code", "error")), error["message"], details)
    text = response.body[:200].decode("utf-8", "replace").strip() or "no explanation"
    return ServiceError(response.status, "error", f"the service answered: {text}")


def retry_after(response: Response, fallback: float) -> float:
    raw = response.headers.get("Retry-After") or response.headers.get("retry-after") or ""
    try:
        return min(max(float(raw), 0.0), RETRY_AFTER_CAP_SECONDS)
    except ValueError:
        return fallback


@dataclass
class ApiClient:
    """Calls under ``{url}/api/v1``; ``token`` None calls anonymously (public boards)."""

    api: str
    token: str | None
    sleep: Callable[[float], None]
    transport: Callable[..., Response] = field(default=send)

    @property
    def service_url(self) -> str:
        """The service's own URL (the API's, without ``/api/v1``)."""
        return self.api.removesuffix("/api/v1")

    def _headers(self, *, json_body: bool) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if json_body:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        return headers

    def url(self, *segments: str | int, query: Mapping[str, str | int] | None = None) -> str:
        path = "/".join(quote(str(segment), safe="") for segment in segments)
        return f"{self.api}/{path}/" + (f"?{urlencode(query)}" if query else "")

    def get(self, *segments: str | int, query: Mapping[str, str | int] | None = None) -> Json:
        """A read, retried a few times on 503 (the service's ``Retry-After``) and on a broken connection."""
        url = self.url(*segments, query=query)
        return self._result(self._send(url, method="GET", headers=self._headers(json_body=False), body=None))

    def post(self, *segments: str | int, body: Json | None = None, idempotent: bool = False) -> Json:
        """A change: sent once (a retry could make a second ticket), unless ``idempotent`` (doing it again changes
        nothing, e.g. ``complete``): then retried like a read."""
        data = json.dumps(body).encode() if body is not None else None
        headers = self._headers(json_body=body is not None)
        retries = READ_RETRIES if idempotent else 0
        return self._result(self._send(self.url(*segments), method="POST", headers=headers, body=data, retries=retries))

    def _send(
        self, url: str, *, method: str, headers: dict[str, str], body: bytes | None, retries: int = READ_RETRIES
    ) -> Response:
        """The answer, asked again up to ``retries`` times after a 503 (waiting the service's ``Retry-After``) or a
        broken connection (waiting 1, 2, 4 s)."""
        for attempt in range(retries + 1):
            try:
                response = self.transport(url, method=method, headers=headers, body=body)
            except NetworkError:
                if attempt == retries:
                    raise
                self.sleep(2.0**attempt)
                continue
            if response.status != 503 or attempt == retries:
                return response
            self.sleep(retry_after(response, 2.0**attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _result(self, response: Response) -> Json:
        if response.status >= 400:
            raise service_error(response)
        return response.json()
