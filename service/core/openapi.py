"""The error shape in the OpenAPI schema: the components ``Error``/``ErrorBody``, and the error responses an
operation declares (``error_responses(400, 401, 404)``), each with what it means here. The shape itself is made by
``core.exception_handler``; ``tests/test_openapi_schema.py`` checks real responses against the schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

F = TypeVar("F", bound=Callable[..., Any])


class ErrorBodySerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Stable and machine-readable, e.g. `invalid`, `team_full`, `throttled`.")
    message = serializers.CharField(help_text="For people; its wording may change.")
    details = serializers.DictField(
        help_text="What is wrong where: for invalid input each field or parameter with its messages; for a CSV "
        "file `line` and `reason`; empty when there is nothing to add."
    )


class ErrorSerializer(serializers.Serializer[Any]):
    error = ErrorBodySerializer()


MEANINGS: dict[int, str] = {
    400: "Invalid input: the body, a query parameter (e.g. `page`, `page_size`) or an uploaded file; "
    "`details` names what is wrong.",
    401: "Authentication is needed, or the token is not valid (`not_authenticated`, `authentication_failed`).",
    403: "The caller may see the object but not do this (`permission_denied`).",
    404: "No such object, or one the caller may not see: its existence is not revealed (`not_found`).",
    409: "The request conflicts with the current state",
    429: "Too many requests: a throttle (`throttled`, with `Retry-After`; refused writes count too) or the daily "
    "submission limit (`daily_limit_reached`).",
}


# What a change inside a competition can answer: invalid input, no or a bad token, not allowed, not visible, a
# conflict with the current state, throttled.
CHANGE_ERRORS = (400, 401, 403, 404, 409, 429)


def error_responses(*statuses: int, conflicts: tuple[str, ...] = ()) -> dict[int, OpenApiResponse]:
    """The error responses of an operation; ``conflicts`` are the codes its 409 can carry."""
    if (409 in statuses) != bool(conflicts):
        raise ValueError("a 409 response lists its conflict codes, and only a 409 has them")
    described = {**MEANINGS, 409: f"{MEANINGS[409]}: {', '.join(f'`{code}`' for code in conflicts)}."}
    return {status: OpenApiResponse(ErrorSerializer, description=described[status]) for status in statuses}


def change_schema(
    description: str, *, request: Any, success: dict[int, Any], conflicts: tuple[str, ...]
) -> Callable[[F], F]:
    """``extend_schema`` of a change inside a competition: its success and every error in ``CHANGE_ERRORS``."""
    decorate: Callable[[F], F] = extend_schema(
        description=description,
        request=request,
        responses={**success, **error_responses(*CHANGE_ERRORS, conflicts=conflicts)},
    )
    return decorate
