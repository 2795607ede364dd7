"""Resource kinds and verbs, and rules as Kubernetes writes them: ``{"resources": [...], "verbs": [...]}``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

WILDCARD = "*"

RESOURCES = (
    "competitions",
    "groundtruth",
    "teams",
    "submissions",
    "leaderboards",
    "leaderboards/private",
    "rolebindings",
    "auditlog",
)
VERBS = ("get", "list", "create", "update", "delete", "join", "leave")

Permission = tuple[str, str]  # (resource, verb)


def validate_rules(rules: Any) -> list[str]:
    """The problems of a rules document (empty when valid)."""
    problems: list[str] = []
    if not isinstance(rules, list):
        return ["rules must be a list of {resources, verbs} objects"]
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or set(rule) != {"resources", "verbs"}:
            problems.append(f"rule {index}: must have exactly the keys resources and verbs")
            continue
        for key, known in (("resources", RESOURCES), ("verbs", VERBS)):
            values = rule[key]
            if not isinstance(values, list) or not values:
                problems.append(f"rule {index}: {key} must be a non-empty list")
                continue
            unknown = [v for v in values if v != WILDCARD and v not in known]
            if unknown:
                problems.append(f"rule {index}: unknown {key} {unknown}")
    return problems


def expand_rules(rules: Iterable[Mapping[str, Any]]) -> frozenset[Permission]:
    """Every (resource, verb) pair the rules grant, wildcards expanded."""
    granted: set[Permission] = set()
    for rule in rules:
        resources = RESOURCES if WILDCARD in rule["resources"] else rule["resources"]
        verbs = VERBS if WILDCARD in rule["verbs"] else rule["verbs"]
        granted.update((resource, verb) for resource in resources for verb in verbs)
    return frozenset(granted)
