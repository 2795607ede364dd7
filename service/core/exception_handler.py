"""The one translation of errors into HTTP: the service's own ``DomainError`` hierarchy and DRF's exceptions both
answer with ``{"error": {"code", "message", "details"}}``; Django's own 400/403/404/500 pages do too."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from .errors import Conflict, DomainError, NotAuthenticated, NotFound, PermissionDenied, QuotaExceeded

# The most specific class in an error's MRO decides; DomainError itself is a 400.
STATUS_OF: dict[type[DomainError], int] = {
    DomainError: status.HTTP_400_BAD_REQUEST,
    NotAuthenticated: status.HTTP_401_UNAUTHORIZED,
    PermissionDenied: status.HTTP_403_FORBIDDEN,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    QuotaExceeded: status.HTTP_429_TOO_MANY_REQUESTS,
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details if details is not None else {}}}


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


def json_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return domain_error_response(exc, context)
    response = exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's 500 handler (handler500 below) answers
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", "The request is invalid.", exc.detail)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = error_body(codes if isinstance(codes, str) else "error", str(exc.detail))
    return response


def _django_error(code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _django_error("bad_request", "Bad request.", 400)


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _django_error("permission_denied", "You do not have permission to perform this action.", 403)


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _django_error("not_found", "Not found.", 404)


def handler500(request: HttpRequest) -> JsonResponse:
    return _django_error("server_error", "Internal server error.", 500)
