from django.contrib import admin
from django.http import HttpRequest

from .models import FinalChoice, LeaderboardEntry


@admin.register(LeaderboardEntry)
class LeaderboardEntryAdmin(admin.ModelAdmin[LeaderboardEntry]):
    list_display = ["competition", "board", "team", "score", "submitted_at"]
    list_filter = ["board"]
    list_select_related = ["competition", "team"]
    readonly_fields = ["competition", "team", "board", "submission", "score", "sort_key", "submitted_at"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # maintained by scoring


@admin.register(FinalChoice)
class FinalChoiceAdmin(admin.ModelAdmin[FinalChoice]):
    """Read-only: choices change through the API, which rewrites the team's private entry with them."""

    list_display = ["submission", "chosen_by", "chosen_at"]
    list_select_related = ["submission", "chosen_by"]
    readonly_fields = ["submission", "chosen_by", "chosen_at"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FinalChoice | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: FinalChoice | None = None) -> bool:
        return False
