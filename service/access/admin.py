from django.contrib import admin

from .models import AuditEvent, Role, RoleBinding


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "builtin", "managed", "description"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Built-in roles are rewritten from code on every migrate: editing them here would not last.
        return ["name", "rules", "bindable_scopes", "builtin", "managed"] if obj and obj.builtin else ["builtin"]


@admin.register(RoleBinding)
class RoleBindingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["id", "user", "role", "scope", "competition", "team", "created_by", "created_at"]
    list_filter = ["role", "scope"]
    search_fields = ["user__username", "competition__slug", "team__name"]
    raw_id_fields = ["user", "competition", "team", "membership", "created_by"]
    list_select_related = ["user", "role", "competition", "team", "created_by"]


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
