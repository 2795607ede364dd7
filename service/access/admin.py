"""Operators' admin for roles, bindings and the audit log. Changes made here bypass the API, so they are audited
here: the staff user is the actor and the reason says the admin allowed it."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import audit
from .authorizer import AccessDecision
from .models import AuditEvent, Role, RoleBinding


def _admin_decision(request: HttpRequest) -> AccessDecision:
    return AccessDecision(True, f"allowed by the Django admin (staff user {request.user.get_username()})")


def _audit_binding(request: HttpRequest, action: str, binding: RoleBinding) -> None:
    audit.record(
        actor=request.user,
        action=action,
        decision=_admin_decision(request),
        competition=binding.competition,
        target_type="rolebinding",
        target_id=binding.pk,
        details=binding.audit_details(),
    )


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "builtin", "managed", "description"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Built-in roles are rewritten from code on every migrate: editing them here would not last.
        return ["name", "rules", "bindable_scopes", "builtin", "managed"] if obj and obj.builtin else ["builtin"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action="role.update" if change else "role.create",
            decision=_admin_decision(request),
            target_type="role",
            target_id=obj.pk,
            details={"name": obj.name, "rules": obj.rules, "changed": list(form.changed_data)},
        )

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        audit.record(
            actor=request.user,
            action="role.delete",
            decision=_admin_decision(request),
            target_type="role",
            target_id=obj.pk,
            details={"name": obj.name},
        )
        super().delete_model(request, obj)


@admin.register(RoleBinding)
class RoleBindingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["id", "user", "role", "scope", "competition", "team", "created_by", "created_at"]
    list_filter = ["role", "scope"]
    search_fields = ["user__username", "competition__slug", "team__name"]
    raw_id_fields = ["user", "competition", "team", "membership", "created_by"]
    list_select_related = ["user", "role", "competition", "team", "created_by"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        _audit_binding(request, "rolebinding.update" if change else "rolebinding.create", obj)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        _audit_binding(request, "rolebinding.delete", obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleBinding]) -> None:
        for binding in queryset.select_related("user", "role", "competition"):
            _audit_binding(request, "rolebinding.delete", binding)
        super().delete_queryset(request, queryset)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["created_at", "competition_slug", "actor_username", "action", "decision", "reason"]
    list_filter = ["decision", "action"]
    search_fields = ["competition_slug", "actor_username", "action", "reason"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
