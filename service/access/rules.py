"""Resource kinds and verbs, and rules as Kubernetes writes them: ``{"resources": [...], "verbs": [...]}``.

Resources and verbs are ``Literal`` types: a misspelt one in code (a view's check, a built-in role) fails the type
check. Rules stored in the database (roles made in the admin) are validated against the same values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypedDict, TypeGuard, get_args

Resource = Literal[
    "competitions",
    "groundtruth",
    "teams",
    "submissions",
    "leaderboards",
    "leaderboards/private",
    "rolebindings",
    "auditlog",
]
Verb = Literal["get", "list", "create", "update", "delete", "join", "leave"]
Wildcard = Literal["*"]

WILDCARD: Wildcard = "*"
RESOURCES: tuple[Resource, ...] = get_args(Resource)
VERBS: tuple[Verb, ...] = get_args(Verb)

Permission = tuple[Resource, Verb]


class Rule(TypedDict):
    resources: list[Resource | Wildcard]
    verbs: list[Verb | Wildcard]


def is_resource(value: object) -> TypeGuard[Resource]:
    return value in RESOURCES


def is_verb(value: object) -> TypeGuard[Verb]:
    return value in VERBS


def validate_rules(rules: Any) -> list[str]:
    """The problems of a rules document (empty when valid)."""
    if not isinstance(rules, list):
        return ["rules must be a list of {resources, verbs} objects"]
    problems: list[str] = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or set(rule) != {"resources", "verbs"}:
            problems.append(f"rule {index}: must have exactly the keys resources and verbs")
            continue
        problems += _list_problems(index, "resources", rule["resources"], RESOURCES)
        problems += _list_problems(index, "verbs", rule["verbs"], VERBS)
    return problems


def _list_problems(index: int, key: str, values: Any, known: tuple[str, ...]) -> list[str]:
    if not isinstance(values, list) or not values:
        return [f"rule {index}: {key} must be a non-empty list"]
    unknown = [v for v in values if v != WILDCARD and v not in known]
    return [f"rule {index}: unknown {key} {unknown}"] if unknown else []


def expand_rules(rules: Iterable[Rule]) -> frozenset[Permission]:
    """Every (resource, verb) pair the rules grant, wildcards expanded; unknown names grant nothing."""
    granted: set[Permission] = set()
    for rule in rules:
        resources = RESOURCES if WILDCARD in rule["resources"] else [r for r in rule["resources"] if is_resource(r)]
        verbs = VERBS if WILDCARD in rule["verbs"] else [v for v in rule["verbs"] if is_verb(v)]
        granted.update((resource, verb) for resource in resources for verb in verbs)
    return frozenset(granted)
