"""Service functions of access control: keeping the built-in roles in the database in step with the code."""

from __future__ import annotations

from typing import Any

from django.db import connections

from .builtin_roles import BUILTIN_ROLES
from .models import Role


def sync_builtin_roles(*, using: str = "default") -> None:
    """Create or update the built-in roles (idempotent)."""
    for name, spec in BUILTIN_ROLES.items():
        Role.objects.using(using).update_or_create(
            name=name,
            defaults={
                "description": spec.description,
                "rules": spec.rules,
                "bindable_scopes": spec.bindable_scopes,
                "builtin": True,
                "managed": spec.managed,
            },
        )


def sync_builtin_roles_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: also runs after a test flush, so the roles always exist."""
    if Role._meta.db_table in connections[using].introspection.table_names():
        sync_builtin_roles(using=using)
