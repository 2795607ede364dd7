"""Swagger UI comes from our own static files, and every response carries a Content-Security-Policy that allows only
our own origin (issue 9, point 11)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


class Page(HTMLParser):
    """Every URL a page loads (src/href), and whether it holds inline scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [value for name, value in attrs if name in {"src", "href"} and value]
        self._open = tag if tag == "style" or (tag == "script" and "src" not in values) else None

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.inline.append(self._open)

    def handle_endtag(self, tag: str) -> None:
        self._open = None


def policy_of(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.fixture
def docs(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    page = Page()
    page.feed(response.content.decode())
    return response, page


def test_the_docs_page_loads_nothing_from_another_origin(docs):
    response, page = docs
    assert page.urls, "the page should load Swagger UI"
    assert all(url.startswith("/") and not url.startswith("//") for url in page.urls), page.urls
    assert "jsdelivr" not in response.content.decode()


def test_swagger_ui_is_served_from_our_static_files(docs):
    _, page = docs
    static = [url.removeprefix("/static/") for url in page.urls if url.startswith("/static/")]
    assert {"drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", "core/swagger_ui_page.css"} <= set(static)
    assert all(finders.find(path) for path in static), static  # collected into the image at build time


def test_the_docs_page_has_no_inline_script_or_style(docs):
    _, page = docs
    assert page.inline == []


def test_the_start_up_script_is_a_file_that_calls_no_other_origin(db):
    response = Client().get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    script = response.content.decode()
    assert '"validatorUrl": null' in script  # no badge from the public validator
    assert re.findall(r"https?://", script) == []


@pytest.mark.parametrize(
    "path", ["/api/docs/", "/admin/login/", "/api/v1/competitions/", "/api/v1/no-such-thing/", "/api/schema/"]
)
def test_every_response_carries_the_policy_of_our_own_origin(db, path):
    assert policy_of(Client().get(path)) == EXPECTED_POLICY


def test_the_schema_documents_the_errors_every_operation_can_answer(openapi):
    for operation in openapi.operations:
        expected = {400, 503} | ({413} if "requestBody" in operation.spec else set())
        assert expected <= operation.statuses(), (operation.method, operation.path)
