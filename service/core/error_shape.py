"""The one shape of every error body: ``{"error": {"code", "message", "details"}}``.

A module of its own (no DRF import), so that middleware and the parsers answer in it without import cycles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import JsonResponse


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details if details is not None else {}}}


def error_response(
    code: str, message: str, status: int, details: Any = None, headers: Mapping[str, str] | None = None
) -> JsonResponse:
    return JsonResponse(error_body(code, message, details), status=status, headers=headers)
