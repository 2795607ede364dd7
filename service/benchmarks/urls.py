"""The service's URLs plus the alternative leaderboards the benchmark compares against."""

from django.urls import path

from competition_platform.urls import urlpatterns as service_urlpatterns

from .alternatives import NaiveLeaderboardView, RawSqlLeaderboardView

urlpatterns = [
    *service_urlpatterns,
    path("bench/<slug:slug>/naive-leaderboard/", NaiveLeaderboardView.as_view()),
    path("bench/<slug:slug>/raw-sql-leaderboard/", RawSqlLeaderboardView.as_view()),
]
