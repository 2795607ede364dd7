"""Refused writes of one user are throttled: a flood of denied attempts answers 429 instead of filling the audit log.

A DRF rate throttle in the scope ``denied_writes`` (``DEFAULT_THROTTLE_RATES``; ``DEFAULT_RATE`` when the settings
name none), counted per user in the shared cache like the other throttles. It counts refusals only: a user's
allowed writes are never slowed, and an allowed write costs no cache lookup. Once a user has been refused ``rate``
times in the period, the next refusal answers 429 (``throttled``, with ``Retry-After``) and is not recorded.
"""

from __future__ import annotations

from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle

DEFAULT_RATE = "10/minute"


class DeniedWriteThrottle(SimpleRateThrottle):
    scope = "denied_writes"
    # Set by SimpleRateThrottle.__init__ from the rate (the type stubs do not declare them).
    num_requests: int
    duration: int

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        super().__init__()

    def get_rate(self) -> str:
        rate: str = self.THROTTLE_RATES.get(self.scope) or DEFAULT_RATE
        return rate

    def admit_refusal(self) -> None:
        """Count one refusal of the user, or raise ``Throttled`` when the period's refusals are used up.

        The same sliding window as DRF's ``allow_request``, keyed by the user instead of a request."""
        self.key = self.cache_format % {"scope": self.scope, "ident": self.user_id}
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        self.history = [moment for moment in self.history if moment > self.now - self.duration]
        if len(self.history) >= self.num_requests:
            raise Throttled(wait=self.wait())
        self.throttle_success()
