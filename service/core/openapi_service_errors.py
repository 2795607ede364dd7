"""The errors any operation can answer because of the service around it, added to every operation of the schema
(drf-spectacular ``POSTPROCESSING_HOOKS``): 400 for a NUL character in the path, a query parameter or a header
(``core.text_input``), 503 when the database is unavailable or the process has no free request slot, and for an
operation that takes a body, 413 ``request_too_large``. An operation's own description of a status is kept."""

from __future__ import annotations

from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/Error"}
SERVICE_ERRORS = {
    "400": "Invalid input: the path, a query parameter or a header holds a NUL character (`invalid`); a body is "
    "not valid JSON or nests too deeply (`invalid_json`); `details` names what is wrong.",
    "503": "The service cannot answer now: the database is unavailable (`database_unavailable`, `Retry-After: 5`) "
    "or every request slot of the process is taken (`service_busy`, `Retry-After: 1`). Retry later.",
}
BODY_ERRORS = {
    "413": "The JSON or form body is larger than `API_BODY_MAX_BYTES` (`request_too_large`).",
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def document_service_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            added = {**SERVICE_ERRORS, **(BODY_ERRORS if "requestBody" in operation else {})}
            for status, description in added.items():
                operation["responses"].setdefault(status, _error(description))
    return result
