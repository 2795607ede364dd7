"""The service's own errors, raised by domain code (models, services, selectors, the Authorizer).

They know nothing of HTTP: ``core.exception_handler`` is the one place that maps them to status codes and to the
error shape ``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A rule of the domain refused the request (answered as 400 unless a subclass says otherwise)."""

    default_code: ClassVar[str] = "invalid"
    default_message: ClassVar[str] = "The request breaks a rule of the domain."

    def __init__(
        self, message: str | None = None, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.details = details or {}
        super().__init__(self.message)


class Conflict(DomainError):
    """The request contradicts the current state (409)."""

    default_code = "conflict"


class QuotaExceeded(DomainError):
    """A limit of the domain is used up (429)."""

    default_code = "daily_limit_reached"


class NotAuthenticated(DomainError):
    """The caller must identify themselves first (401)."""

    default_code = "not_authenticated"
    default_message = "Authentication credentials were not provided."


class PermissionDenied(DomainError):
    """The caller may see the object but not do this to it (403)."""

    default_code = "permission_denied"
    default_message = "You do not have permission to perform this action."


class NotFound(DomainError):
    """The object does not exist, or not for this caller: its existence is not revealed (404)."""

    default_code = "not_found"
    default_message = "Not found."
