"""Every list is paginated the same way: ``?page=N&page_size=M`` (N at least 1, M from 1 to 100, default 50).

Both must be whole numbers in range, or the request is refused with 400 naming the parameter (DRF alone would
quietly fall back to the default size, or answer 404 for ``page=abc``); a page past the last one is a 404. The
OpenAPI schema states the same bounds (``get_schema_operation_parameters``).
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

WHOLE_NUMBER = re.compile(r"[1-9][0-9]*")  # ASCII digits, no sign, no leading zero, no spaces


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()  # the schema says integer: no "page=last"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return _whole_number(self.page_size_query_param, raw, self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int:
        raw = request.query_params.get(self.page_query_param)
        return 1 if raw is None else _whole_number(self.page_query_param, raw, None)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated: dict[str, Any] = super().get_paginated_response_schema(schema)
        paginated["required"] = ["count", "next", "previous", "results"]  # always there (null at either end)
        return paginated

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        bounds: dict[str, dict[str, int]] = {
            self.page_query_param: {"minimum": 1, "default": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds[parameter["name"]])
        return parameters


def _whole_number(name: str, raw: str, maximum: int | None) -> int:
    value = int(raw) if WHOLE_NUMBER.fullmatch(raw) and len(raw) <= 18 else None
    if value is None or (maximum is not None and value > maximum):
        expected = f"a whole number from 1 to {maximum}" if maximum is not None else "a whole number of at least 1"
        raise ValidationError({name: [f"must be {expected}, not {raw!r}"]})
    return value


def page_parameters() -> list[OpenApiParameter]:
    """The page parameters as the schema documents them, for a view that paginates by hand (the leaderboard)."""
    return [
        OpenApiParameter(parameter["name"], parameter["schema"], description=parameter["description"])
        for parameter in StandardPagination().get_schema_operation_parameters(view=None)
    ]
