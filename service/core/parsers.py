"""The API's body parsers: JSON with a size and depth cap, and no NUL character in any text that reaches a query.

DRF's own ``JSONParser`` reads a body of any size, and Python's ``json`` raises ``RecursionError`` (not ``ValueError``)
on deeply nested input, which DRF lets through as a 500. PostgreSQL refuses NUL in text, so a string holding one
fails in the database, as a 500 too. These parsers answer 413 ``request_too_large`` and 400 ``invalid_json`` or
``invalid`` (naming the field) instead, for every endpoint at once (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from django.conf import settings
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from rest_framework import exceptions, parsers, status
from rest_framework.parsers import DataAndFiles
from rest_framework.settings import api_settings

from .text_input import NUL, NUL_MESSAGE

# Nothing in this API nests more than a few levels; deeper input is refused before it reaches a serializer.
MAX_JSON_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "The request body is too large."


def invalid_json(reason: str) -> exceptions.ParseError:
    return exceptions.ParseError(f"The body is not valid JSON: {reason}.", code="invalid_json")


def read_capped(stream: IO[bytes], parser_context: Mapping[str, Any], kind: str) -> bytes:
    """The body, refusing one longer than ``API_BODY_MAX_BYTES`` before reading it (Content-Length) or while
    reading it (a chunked body declares no length)."""
    limit: int = settings.API_BODY_MAX_BYTES
    request = parser_context.get("request")
    declared = str(request.META.get("CONTENT_LENGTH") or "") if request is not None else ""
    body = b"" if declared.isdigit() and int(declared) > limit else stream.read(limit + 1)
    if declared.isdigit() and int(declared) > limit or len(body) > limit:
        raise RequestTooLarge(f"A {kind} body may hold at most {limit} bytes (API_BODY_MAX_BYTES).")
    return body


def _children(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, child in value.items():
            if NUL in key:
                raise exceptions.ValidationError({path or "body": [f"A key holds a NUL character. {NUL_MESSAGE}"]})
            yield (f"{path}.{key}" if path else key), child
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield f"{path}[{index}]", child


def check_parsed(document: Any) -> None:
    """Refuse more than ``MAX_JSON_DEPTH`` nested arrays/objects and NUL characters in strings, naming where
    (iteratively: the check itself must not recurse)."""
    stack: list[tuple[str, Any, int]] = [("", document, 1)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH and isinstance(value, (dict, list)):
            raise invalid_json(f"nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, str) and NUL in value:
            raise exceptions.ValidationError({path or "body": [NUL_MESSAGE]})
        stack.extend((child_path, child, depth + 1) for child_path, child in _children(value, path))


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        context = parser_context or {}
        body = read_capped(stream, context, "JSON")
        try:
            document = json.loads(
                body.decode(context.get("encoding", settings.DEFAULT_CHARSET)),
                parse_constant=_refuse_constant if api_settings.STRICT_JSON else None,
            )
        except RecursionError:
            raise invalid_json(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
        except ValueError as exc:  # includes UnicodeDecodeError and json.JSONDecodeError
            raise invalid_json(str(exc)) from None
        check_parsed(document)
        return document


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def check_form(data: QueryDict | Mapping[str, Any], files: MultiValueDict[str, Any] | None) -> None:
    """Form fields and uploaded file names reach queries as text: refuse NUL in them, naming the field."""
    items = data.lists() if isinstance(data, QueryDict) else ((key, [value]) for key, value in data.items())
    for name, values in items:
        if NUL in name or any(isinstance(value, str) and NUL in value for value in values):
            raise exceptions.ValidationError({name.replace(NUL, "\\x00"): [NUL_MESSAGE]})
    for name, uploaded in (files or MultiValueDict()).items():
        if NUL in (getattr(uploaded, "name", "") or ""):
            raise exceptions.ValidationError({name: [f"The file name holds a NUL character: {NUL_MESSAGE}"]})


class MultiPartParser(parsers.MultiPartParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> DataAndFiles[Any, Any]:
        parsed = super().parse(stream, media_type, parser_context)
        check_form(parsed.data, parsed.files)
        return parsed


class FormParser(parsers.FormParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        context = parser_context or {}
        body = read_capped(stream, context, "form")
        data = QueryDict(body, encoding=context.get("encoding", settings.DEFAULT_CHARSET))
        check_form(data, None)
        return data
