"""The one translation of errors into HTTP: the service's own ``DomainError`` hierarchy and DRF's exceptions both
answer with ``{"error": {"code", "message", "details"}}``; Django's own 400/403/404/500 pages and its CSRF failure
do too, and a database that cannot be reached is a 503 ``database_unavailable`` wherever it shows."""

from __future__ import annotations

import logging
import sys
from typing import Any, TypeGuard

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from .error_shape import error_body, error_response
from .errors import Conflict, DomainError, NotAuthenticated, NotFound, PermissionDenied, QuotaExceeded

logger = logging.getLogger(__name__)

# What a client should wait before retrying when the database is unavailable (a failover takes 30-120 s on RDS;
# clients back off from here).
DATABASE_RETRY_AFTER_SECONDS = 5

# The most specific class in an error's MRO decides; DomainError itself is a 400.
STATUS_OF: dict[type[DomainError], int] = {
    DomainError: status.HTTP_400_BAD_REQUEST,
    NotAuthenticated: status.HTTP_401_UNAUTHORIZED,
    PermissionDenied: status.HTTP_403_FORBIDDEN,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    QuotaExceeded: status.HTTP_429_TOO_MANY_REQUESTS,
}


def status_of(error: DomainError) -> int:
    return next(STATUS_OF[cls] for cls in type(error).__mro__ if cls in STATUS_OF)


def domain_error_response(error: DomainError, context: dict[str, Any]) -> Response:
    status_code = status_of(error)
    headers: dict[str, str] = {}
    if isinstance(error, NotAuthenticated):
        # As DRF does for its own NotAuthenticated: 401 with the view's challenge, 403 when it has none.
        view, request = context.get("view"), context.get("request")
        challenge = view.get_authenticate_header(request) if view is not None and request is not None else None
        if challenge:
            headers["WWW-Authenticate"] = challenge
        else:
            status_code = status.HTTP_403_FORBIDDEN
    set_rollback()
    return Response(error_body(error.code, error.message, error.details), status=status_code, headers=headers)


def is_database_unavailable(exc: BaseException | None) -> TypeGuard[OperationalError | InterfaceError]:
    """The database could not be reached or did not answer in time (refused, reset, timed out, cancelled by
    ``statement_timeout``/``lock_timeout`` or by the request's database time budget): Django wraps every such
    driver error in these two classes."""
    return isinstance(exc, (OperationalError, InterfaceError))


def database_unavailable(exc: BaseException) -> JsonResponse:
    # The driver's message names hosts and users: the log gets it, the public response only the kind of failure.
    logger.warning("database unavailable: %s: %s", type(exc).__name__, exc)
    return error_response(
        "database_unavailable",
        "The database is unavailable; try again shortly.",
        status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def as_api_exception(exc: Exception) -> Exception:
    """Django's own 404 and 403 as DRF's, with DRF's generic messages (a model's name must not leak)."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def api_error_body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        return error_body("invalid", "The request is invalid.", exc.detail)
    codes = exc.get_codes()
    wait = getattr(exc, "wait", None)  # Throttled's seconds until the next allowed request (untyped in the stubs)
    details = {"wait_seconds": wait} if isinstance(exc, exceptions.Throttled) and wait is not None else None
    return error_body(codes if isinstance(codes, str) else "error", str(exc.detail), details)


def json_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | JsonResponse | None:
    if isinstance(exc, DomainError):
        return domain_error_response(exc, context)
    if is_database_unavailable(exc):
        set_rollback()
        return database_unavailable(exc)
    exc = as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's 500 handler (handler500 below) answers
    if isinstance(exc, exceptions.APIException):
        response.data = api_error_body(exc)
    return response


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response("bad_request", "Bad request.", 400)


def domain_error_json(error: DomainError) -> JsonResponse:
    """A ``DomainError`` answered outside DRF (Django's own error pages, plain views)."""
    return error_response(error.code, error.message, status_of(error), error.details)


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return domain_error_json(PermissionDenied())


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return domain_error_json(NotFound())


def handler500(request: HttpRequest) -> JsonResponse:
    # Django calls it while handling the exception (outside DRF views too: the admin, a middleware's query).
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc):
        return database_unavailable(exc)
    return error_response("server_error", "Internal server error.", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """``CSRF_FAILURE_VIEW``: the admin's forms (the API authenticates by token and is exempt)."""
    return error_response("csrf_failed", f"CSRF verification failed: {reason}", 403)
