"""The caller's address behind the load balancer, the same way DRF's throttles find it (``NUM_PROXIES``).

The ALB appends the address it saw to ``X-Forwarded-For``; anything to the left of that is what the client wrote
itself and can be anything. With ``NUM_PROXIES`` trusted proxies in front, the caller is the ``NUM_PROXIES``-th
address from the right; with none, the address of the TCP peer.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    num_proxies: int = settings.NUM_PROXIES
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part.strip()]
    if num_proxies > 0 and forwarded:
        return forwarded[-min(num_proxies, len(forwarded))]
    return str(request.META.get("REMOTE_ADDR", ""))
