"""The built-in roles, defined in code and written to the database on every ``migrate``.

Two further roles are implicit, like Kubernetes' ``system:unauthenticated`` and ``system:authenticated``
groups: they need no binding and apply only to public competitions.
"""

from __future__ import annotations

from dataclasses import dataclass

from .rules import Permission, Rule, expand_rules

PLATFORM_ADMIN = "platform-admin"
COMPETITION_ORGANIZER = "competition-organizer"
COMPETITION_HOST = "competition-host"
COMPETITION_PARTICIPANT = "competition-participant"
TEAM_MEMBER = "team-member"


@dataclass(frozen=True)
class RoleSpec:
    description: str
    rules: list[Rule]
    bindable_scopes: list[str]
    managed: bool = False  # bound and unbound only by the platform (e.g. on joining a team)


BUILTIN_ROLES: dict[str, RoleSpec] = {
    PLATFORM_ADMIN: RoleSpec(
        description="Everything, everywhere.",
        rules=[{"resources": ["*"], "verbs": ["*"]}],
        bindable_scopes=["platform"],
    ),
    COMPETITION_ORGANIZER: RoleSpec(
        description="May create competitions (and becomes host of each one created).",
        rules=[{"resources": ["competitions"], "verbs": ["create"]}],
        bindable_scopes=["platform"],
    ),
    COMPETITION_HOST: RoleSpec(
        description="Runs one competition: settings, ground truth, submissions, private board, bindings.",
        rules=[
            {"resources": ["competitions"], "verbs": ["get", "update", "delete"]},
            {"resources": ["groundtruth"], "verbs": ["get", "create"]},
            {"resources": ["teams"], "verbs": ["get", "list", "create", "join"]},
            {"resources": ["submissions"], "verbs": ["get", "list", "delete"]},
            {"resources": ["leaderboards", "leaderboards/private"], "verbs": ["get"]},
            {"resources": ["rolebindings"], "verbs": ["get", "list", "create", "delete"]},
            {"resources": ["auditlog"], "verbs": ["list"]},
        ],
        bindable_scopes=["competition"],
    ),
    COMPETITION_PARTICIPANT: RoleSpec(
        description="Invited to a (private) competition: may see it, form and join teams.",
        rules=[
            {"resources": ["competitions"], "verbs": ["get"]},
            {"resources": ["teams"], "verbs": ["get", "list", "create", "join"]},
            {"resources": ["leaderboards"], "verbs": ["get"]},
        ],
        bindable_scopes=["competition"],
    ),
    TEAM_MEMBER: RoleSpec(
        description="Bound automatically on joining a team: the team's submissions (update: marking them final).",
        rules=[
            {"resources": ["teams"], "verbs": ["get", "leave"]},
            {"resources": ["submissions"], "verbs": ["get", "list", "create", "update", "delete"]},
        ],
        bindable_scopes=["team"],
        managed=True,
    ),
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
