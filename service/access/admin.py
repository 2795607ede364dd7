"""Operators' admin for roles, bindings and the audit log. Changes made here bypass the API, so they are audited
here: the staff user is the actor and the reason says the admin allowed it."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from .audit import AuditAction, AuthorizedAction
from .authorizer import AccessDecision
from .models import AuditEvent, Role, RoleBinding


def staff_user(request: HttpRequest) -> User:
    """The user of an admin request: the admin site lets only authenticated staff users in."""
    user = request.user
    if isinstance(user, AnonymousUser):
        raise PermissionDenied
    return user


def admin_action(request: HttpRequest, action: AuditAction, binding: RoleBinding | None = None) -> AuthorizedAction:
    """What the staff user did through the admin, allowed by the admin itself."""
    user = staff_user(request)
    return AuthorizedAction(
        decision=AccessDecision(True, f"allowed by the Django admin (staff user {user.get_username()})"),
        action=action,
        actor=user,
        competition=binding.competition if binding is not None else None,
    )


def _audit_binding(request: HttpRequest, action: AuditAction, binding: RoleBinding) -> None:
    admin_action(request, action, binding).record(binding, details=binding.audit_details())


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin[Role]):
    list_display = ["name", "builtin", "managed", "description"]
    search_fields = ["name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Role | None = None) -> list[str]:
        # Built-in roles are rewritten from code on every migrate: editing them here would not last.
        return ["name", "rules", "bindable_scopes", "builtin", "managed"] if obj and obj.builtin else ["builtin"]

    def save_model(self, request: HttpRequest, obj: Role, form: ModelForm[Role], change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = AuditAction.ROLE_UPDATE if change else AuditAction.ROLE_CREATE
        details = {"name": obj.name, "rules": obj.rules, "changed": list(form.changed_data)}
        admin_action(request, action).record(obj, details=details)

    def delete_model(self, request: HttpRequest, obj: Role) -> None:
        admin_action(request, AuditAction.ROLE_DELETE).record(obj, details={"name": obj.name})
        super().delete_model(request, obj)


@admin.register(RoleBinding)
class RoleBindingAdmin(admin.ModelAdmin[RoleBinding]):
    list_display = ["id", "user", "role", "scope", "competition", "team", "created_by", "created_at"]
    list_filter = ["role", "scope"]
    search_fields = ["user__username", "competition__slug", "team__name"]
    raw_id_fields = ["user", "competition", "team", "membership", "created_by"]
    list_select_related = ["user", "role", "competition", "team", "created_by"]

    def save_model(self, request: HttpRequest, obj: RoleBinding, form: ModelForm[RoleBinding], change: bool) -> None:
        if not change:
            obj.created_by = staff_user(request)
        super().save_model(request, obj, form, change)
        _audit_binding(request, AuditAction.ROLE_BINDING_UPDATE if change else AuditAction.ROLE_BINDING_CREATE, obj)

    def delete_model(self, request: HttpRequest, obj: RoleBinding) -> None:
        _audit_binding(request, AuditAction.ROLE_BINDING_DELETE, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleBinding]) -> None:
        for binding in queryset.select_related("user", "role", "competition"):
            _audit_binding(request, AuditAction.ROLE_BINDING_DELETE, binding)
        super().delete_queryset(request, queryset)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = [
        "created_at",
        "competition_slug",
        "actor_username",
        "action",
        "decision",
        "reason",
        "repeat_count",
        "last_at",
    ]
    list_filter = ["decision", "action"]
    search_fields = ["competition_slug", "actor_username", "action", "reason"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
