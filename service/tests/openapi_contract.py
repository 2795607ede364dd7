"""The OpenAPI schema as a contract: real responses are checked against the schema the service generates.

A response must be documented for its operation and status, and its body must match the documented schema. The
schema is OpenAPI 3.0 (drf-spectacular); it is turned into JSON Schema 2020-12 for ``jsonschema``: ``nullable``
becomes a union with null, and an object that lists its properties allows no others (a field the schema does not
name is a lie of the schema too).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "urn:openapi"
ANNOTATIONS_ONLY = frozenset({"nullable", "example", "readOnly", "writeOnly", "deprecated"})

formats = FormatChecker()


@formats.checks("date-time", raises=ValueError)
def is_date_time(value: object) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@formats.checks("uri", raises=ValueError)
def is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


def to_json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema object (and everything in it) as JSON Schema 2020-12."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted: dict[str, Any] = {}
    for key, value in node.items():
        if key in ANNOTATIONS_ONLY:
            continue
        if key == "properties":  # a map of names to schemas: its keys are names, not keywords
            converted[key] = {name: to_json_schema(schema) for name, schema in value.items()}
        elif key == "$ref":
            converted[key] = BASE + value
        else:
            converted[key] = to_json_schema(value)
    if "properties" in converted and "additionalProperties" not in converted:
        converted["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the schema's template, e.g. /api/v1/competitions/{slug}/
    spec: dict[str, Any]

    def statuses(self) -> set[int]:
        return {int(status) for status in self.spec["responses"]}


class OpenApiContract:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        converted = {"components": to_json_schema(document.get("components", {}))}
        resource = Resource.from_contents(converted, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(BASE, resource)
        self.operations = [
            Operation(method, path, spec)
            for path, methods in document["paths"].items()
            for method, spec in methods.items()
            if method in {"get", "post", "put", "patch", "delete"}
        ]
        self._patterns = [
            (re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$"), path)
            for path in document["paths"]
        ]

    @classmethod
    def generated(cls) -> OpenApiContract:
        """The schema ``/api/schema/`` serves, as JSON."""
        from drf_spectacular.generators import SchemaGenerator
        from drf_spectacular.renderers import OpenApiJsonRenderer

        schema = SchemaGenerator().get_schema(request=None, public=True)
        return cls(json.loads(OpenApiJsonRenderer().render(schema)))

    def operation(self, method: str, url_path: str) -> Operation:
        templates = [template for pattern, template in self._patterns if pattern.match(url_path)]
        assert templates, f"{url_path} is not in the schema"
        found = [op for op in self.operations if op.path == templates[0] and op.method == method.lower()]
        assert found, f"{method.upper()} {templates[0]} is not in the schema"
        return found[0]

    def check(self, response: Any) -> Operation:
        """The response is documented for its operation and status, and its body matches; the operation."""
        operation = self.operation(response.request["REQUEST_METHOD"], response.request["PATH_INFO"])
        where = f"{operation.method.upper()} {operation.path} -> {response.status_code}"
        documented = operation.spec["responses"].get(str(response.status_code))
        assert documented is not None, f"{where} is not documented (documented: {sorted(operation.statuses())})"
        content = documented.get("content")
        if not content:
            assert not response.content, f"{where}: documented without a body, answered {response.content[:200]!r}"
            return operation
        assert response["Content-Type"].startswith("application/json"), where
        schema = to_json_schema(content["application/json"]["schema"])
        validator = Draft202012Validator(schema, registry=self.registry, format_checker=formats)
        problems = [
            f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
            for e in validator.iter_errors(response.json())
        ]
        assert not problems, f"{where} does not match the schema:\n" + "\n".join(problems[:10])
        return operation
