"""Text that reaches PostgreSQL must not hold NUL: the server refuses it in ``text``, the request would fail (500).

Bodies are checked by the API's parsers (``core.parsers``); the path, query parameters, headers and cookies of
every request by ``RejectNulMiddleware``, before any view, throttle or authentication looks them up. Either answers
400 with the usual error shape, naming where the character was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse

from .error_shape import error_response

NUL = "\x00"
NUL_MESSAGE = "NUL characters (\\x00) are not allowed in text."


def nul_locations(request: HttpRequest) -> Iterator[tuple[str, str]]:
    """(name, where) of every part of the request line and headers that holds a NUL character."""
    if NUL in request.path_info:
        yield "path", "The URL path"
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            printable = name.replace(NUL, "\\x00")
            yield printable, f"The query parameter {printable!r}"
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            header = key.removeprefix("HTTP_").replace("_", "-").title()
            yield header, f"The header {header}"


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = next(nul_locations(request), None)
        if found is not None:
            name, where = found
            return error_response("invalid", f"{where} holds a NUL character.", 400, {name: [NUL_MESSAGE]})
        return self.get_response(request)
