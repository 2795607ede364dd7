"""Every request gets an id and, when it is done, one log record (``"event": "request"``).

The id is the ``Root=`` of the load balancer's ``X-Amzn-Trace-Id`` header when there is one (so the ALB's own logs
and ours meet), otherwise a new one; the response echoes it as ``X-Request-Id``, and every log record written while
the request runs carries it (``core.structured_logging``): a 5xx's traceback has the same ``request_id`` as its
request record. Health checks and static files get an id but no request record (the load balancer polls them).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from .health import LIVENESS_PATHS, READINESS_PATHS
from .structured_logging import request_id_var

logger = logging.getLogger("core.requests")

TRACE_ROOT = re.compile(r"(?:^|;)\s*Root=([0-9A-Za-z-]{1,64})\s*(?:;|$)")


def request_id_of(request: HttpRequest) -> str:
    match = TRACE_ROOT.search(str(request.META.get("HTTP_X_AMZN_TRACE_ID", "")))
    return match.group(1) if match else uuid.uuid4().hex


def error_code_of(response: HttpResponse) -> str | None:
    """The ``code`` of an error body (DRF's data, or the JSON of a plain response)."""
    data: Any = getattr(response, "data", None)
    if data is None and response.get("Content-Type", "").startswith("application/json"):
        try:
            data = json.loads(response.content)
        except ValueError:
            return None
    error = data.get("error") if isinstance(data, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return str(code) if code is not None else None


def user_id_of(request: HttpRequest) -> int | None:
    """The authenticated user's id, without a query: DRF replaces ``request.user`` once it has authenticated the
    caller; Django's lazy user is read only when something already evaluated it."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject) and getattr(user, "_wrapped", empty) is empty:
        return None
    if user is None or not user.is_authenticated:
        return None
    return int(user.pk)


def is_logged(request: HttpRequest) -> bool:
    path = request.path
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path not in LIVENESS_PATHS and path not in READINESS_PATHS and not path.startswith(static)


class RequestContextMiddleware:
    """First in ``MIDDLEWARE``: it must see every response, those of the health checks and of other middleware too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-Id"] = request_id
            if is_logged(request):
                self.log(request, response, started)
            return response
        finally:
            request_id_var.reset(token)

    @staticmethod
    def log(request: HttpRequest, response: HttpResponse, started: float) -> None:
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        fields: dict[str, Any] = {
            "event": "request",
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": user_id_of(request),
        }
        error_code = error_code_of(response) if response.status_code >= 400 else None
        if error_code is not None:
            fields["error_code"] = error_code
        logger.info("%s %s %s %.1f ms", request.method, request.path, response.status_code, duration_ms, extra=fields)
