"""Throttles whose counters live in the shared cache (the database cache), so every task sees them."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle


class PostRateThrottle(ScopedRateThrottle):
    """Counts only POST requests, per user (or client address when anonymous), in ``view.throttle_scope``."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)
