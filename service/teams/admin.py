from django.contrib import admin

from .models import Team, TeamMembership


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = TeamMembership
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["competition", "joined_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # through the API, which also binds the team-member role


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "competition", "created_by", "created_at"]
    search_fields = ["name", "competition__slug"]
    list_select_related = ["competition", "created_by"]
    raw_id_fields = ["competition", "created_by"]
    inlines = [MembershipInline]
