"""A per-process limit on concurrent requests that may use the database, so that health checks always find a thread.

gunicorn's gthread worker serves every request of a process from a pool of ``GUNICORN_THREADS`` threads. When the
database hangs, requests that wait for it hold their threads until the database time budget ends them
(``core.db_budget``); if they held every thread, ``/healthz`` would queue behind them, the load balancer would call
the task unhealthy and replace it, and a database problem would turn into killed tasks. Behind this middleware at
most ``API_CONCURRENCY_LIMIT`` requests run at once (default: one thread fewer than the pool). A request that finds
every slot taken waits up to ``API_QUEUE_WAIT_MS`` for one, unless every slot is held by a request that has already
run longer than that (the database is hanging): then it answers 503 ``service_busy`` at once, so the requests queued
in front of a health check cost it nothing. Health checks are answered before it (``core.health``), static files too
(whitenoise).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .error_shape import error_response

logger = logging.getLogger(__name__)

BUSY_RETRY_AFTER_SECONDS = 1


class ConcurrencyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit: int = settings.API_CONCURRENCY_LIMIT
        self.wait_seconds: float = settings.API_QUEUE_WAIT_MS / 1000
        self.slots = threading.BoundedSemaphore(self.limit)
        self.lock = threading.Lock()
        self.started: dict[int, float] = {}  # the requests holding a slot (by id) and when each started

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.acquire():
            logger.warning("no free request slot: %d requests of this process are already running", self.limit)
            return error_response(
                "service_busy",
                f"This server is busy ({self.limit} requests are running in its process); try again shortly.",
                503,
                headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
            )
        with self.lock:
            self.started[id(request)] = time.monotonic()
        try:
            return self.get_response(request)
        finally:
            with self.lock:
                del self.started[id(request)]
            self.slots.release()

    def acquire(self) -> bool:
        if self.slots.acquire(blocking=False):
            return True
        if self.youngest_running_seconds() >= self.wait_seconds:
            return False  # every slot is held by a request older than the wait: they are stuck, not finishing
        return self.slots.acquire(timeout=self.wait_seconds)

    def youngest_running_seconds(self) -> float:
        with self.lock:
            latest_start = max(self.started.values(), default=time.monotonic())
        return time.monotonic() - latest_start
