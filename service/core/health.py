"""Liveness and readiness endpoints, answered before any other middleware.

The load balancer sends the target's private IP as Host, which ALLOWED_HOSTS would reject, and TLS ends at
the load balancer, so these endpoints must not depend on host validation or HTTPS redirects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from .db_budget import database_time_budget

logger = logging.getLogger(__name__)

LIVENESS_PATHS = frozenset({"/healthz", "/healthz/"})
READINESS_PATHS = frozenset({"/readyz", "/readyz/"})


def liveness() -> JsonResponse:
    """The process is up and serving requests; no database access."""
    return JsonResponse({"status": "ok"})


def readiness() -> JsonResponse:
    """The database answers a trivial query within ``DATABASE_PROBE_TIMEOUT_MS``; 503 with the reason when not."""
    try:
        with database_time_budget(settings.DATABASE_PROBE_TIMEOUT_MS / 1000), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready"
        # The endpoint is public (through the load balancer): the driver's message, which names the database host,
        # address and user, goes to the log only; the caller gets the kind of failure.
        logger.warning("readiness check failed: %s: %s", type(exc).__name__, exc)
        return JsonResponse(
            {"status": "unavailable", "reason": f"database unreachable ({type(exc).__name__}); see the service log"},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})


class HealthCheckMiddleware:
    """Must be first in MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            if request.path in LIVENESS_PATHS:
                return liveness()
            if request.path in READINESS_PATHS:
                return readiness()
        return self.get_response(request)
