"""URL configuration: the versioned API, its schema and docs, and the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from access.views import ObtainTokenView

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("competitions/", include("competitions.urls")),
    path("competitions/<slug:slug>/teams/", include("teams.urls")),
    path("competitions/<slug:slug>/submissions/", include("submissions.urls")),
    path("competitions/<slug:slug>/leaderboard/", include("leaderboards.urls")),
    path("competitions/<slug:slug>/", include("access.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
]

handler400 = "competition_platform.errors.handler400"
handler403 = "competition_platform.errors.handler403"
handler404 = "competition_platform.errors.handler404"
handler500 = "competition_platform.errors.handler500"
