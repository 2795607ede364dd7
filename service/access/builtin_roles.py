"""The built-in roles, defined in code and written to the database on every ``migrate``.

Two further roles are implicit, like Kubernetes' ``system:unauthenticated`` and ``system:authenticated``
groups: they need no binding and apply only to public competitions.
"""

from __future__ import annotations

from typing import Any

from .rules import Permission, expand_rules

PLATFORM_ADMIN = "platform-admin"
COMPETITION_ORGANIZER = "competition-organizer"
COMPETITION_HOST = "competition-host"
COMPETITION_PARTICIPANT = "competition-participant"
TEAM_MEMBER = "team-member"

BUILTIN_ROLES: dict[str, dict[str, Any]] = {
    PLATFORM_ADMIN: {
        "description": "Everything, everywhere.",
        "rules": [{"resources": ["*"], "verbs": ["*"]}],
        "bindable_scopes": ["platform"],
    },
    COMPETITION_ORGANIZER: {
        "description": "May create competitions (and becomes host of each one created).",
        "rules": [{"resources": ["competitions"], "verbs": ["create"]}],
        "bindable_scopes": ["platform"],
    },
    COMPETITION_HOST: {
        "description": "Runs one competition: settings, ground truth, submissions, private board, bindings.",
        "rules": [
            {"resources": ["competitions"], "verbs": ["get", "update", "delete"]},
            {"resources": ["groundtruth"], "verbs": ["get", "create"]},
            {"resources": ["teams"], "verbs": ["get", "list", "create", "join"]},
            {"resources": ["submissions"], "verbs": ["get", "list", "delete"]},
            {"resources": ["leaderboards", "leaderboards/private"], "verbs": ["get"]},
            {"resources": ["rolebindings"], "verbs": ["get", "list", "create", "delete"]},
            {"resources": ["auditlog"], "verbs": ["list"]},
        ],
        "bindable_scopes": ["competition"],
    },
    COMPETITION_PARTICIPANT: {
        "description": "Invited to a (private) competition: may see it, form and join teams.",
        "rules": [
            {"resources": ["competitions"], "verbs": ["get"]},
            {"resources": ["teams"], "verbs": ["get", "list", "create", "join"]},
            {"resources": ["leaderboards"], "verbs": ["get"]},
        ],
        "bindable_scopes": ["competition"],
    },
    TEAM_MEMBER: {
        "description": "Bound automatically on joining a team: the team's submissions.",
        "rules": [
            {"resources": ["teams"], "verbs": ["get", "leave"]},
            {"resources": ["submissions"], "verbs": ["get", "list", "create", "delete"]},
        ],
        "bindable_scopes": ["team"],
        "managed": True,
    },
}

ANONYMOUS_ON_PUBLIC = "system:anonymous"
AUTHENTICATED_ON_PUBLIC = "system:authenticated"

IMPLICIT_PERMISSIONS: dict[str, frozenset[Permission]] = {
    ANONYMOUS_ON_PUBLIC: expand_rules(
        [
            {"resources": ["competitions", "leaderboards"], "verbs": ["get"]},
            {"resources": ["teams"], "verbs": ["get", "list"]},
        ]
    ),
    AUTHENTICATED_ON_PUBLIC: expand_rules(
        [
            {"resources": ["competitions", "leaderboards"], "verbs": ["get"]},
            {"resources": ["teams"], "verbs": ["get", "list", "create", "join"]},
        ]
    ),
}


def sync_builtin_roles(using: str = "default") -> None:
    """Create or update the built-in roles (idempotent)."""
    from .models import Role

    for name, spec in BUILTIN_ROLES.items():
        Role.objects.using(using).update_or_create(
            name=name,
            defaults={
                "description": spec["description"],
                "rules": spec["rules"],
                "bindable_scopes": spec["bindable_scopes"],
                "builtin": True,
                "managed": spec.get("managed", False),
            },
        )


def sync_builtin_roles_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: also runs after a test flush, so the roles always exist."""
    from django.db import connections

    from .models import Role

    if Role._meta.db_table in connections[using].introspection.table_names():
        sync_builtin_roles(using)
