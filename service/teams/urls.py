from django.urls import path

from .views import JoinTeamView, LeaveTeamView, TeamDetailView, TeamListView

urlpatterns = [
    path("", TeamListView.as_view(), name="team-list"),
    path("<int:team_id>/", TeamDetailView.as_view(), name="team-detail"),
    path("<int:team_id>/join/", JoinTeamView.as_view(), name="team-join"),
    path("<int:team_id>/leave/", LeaveTeamView.as_view(), name="team-leave"),
]
