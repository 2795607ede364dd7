"""URL configuration: the versioned API, its schema and docs, and the admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from access.views import ObtainTokenView

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("competitions/", include("competitions.urls")),
    path("competitions/<slug:slug>/teams/", include("teams.urls")),
    path("competitions/<slug:slug>/submissions/", include("submissions.urls")),
    path("competitions/<slug:slug>/leaderboard/", include("leaderboards.urls")),
    path("competitions/<slug:slug>/", include("governance.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (?script): the Content-Security-Policy forbids inline ones.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="core/swagger_ui.html"),
        name="docs",
    ),
]
# The admin is off the internet unless DJANGO_ADMIN_ENABLED=true (its logins are rate-limited by django-axes).
if settings.ADMIN_ENABLED:
    urlpatterns.append(path("admin/", admin.site.urls))

# An operator must see which environment they are editing.
admin.site.site_header = f"Competition platform administration ({settings.PLATFORM_ENVIRONMENT})"
admin.site.site_title = f"Competition platform ({settings.PLATFORM_ENVIRONMENT})"

handler400 = "core.exception_handler.handler400"
handler403 = "core.exception_handler.handler403"
handler404 = "core.exception_handler.handler404"
handler500 = "core.exception_handler.handler500"
