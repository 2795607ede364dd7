from django.contrib import admin
from django.http import HttpRequest

from .models import Team, TeamMembership


class MembershipInline(admin.TabularInline[TeamMembership, Team]):
    model = TeamMembership
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["competition", "joined_at"]

    def has_add_permission(self, request: HttpRequest, obj: Team | None = None) -> bool:
        return False  # through the API, which also binds the team-member role


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ["name", "competition", "created_by", "created_at"]
    search_fields = ["name", "competition__slug"]
    list_select_related = ["competition", "created_by"]
    raw_id_fields = ["competition", "created_by"]
    inlines = [MembershipInline]
