from django.apps import AppConfig


class CompetitionPlatformConfig(AppConfig):
    """The project package is an app only to own the migration that creates the shared cache table."""

    name = "competition_platform"
    verbose_name = "Competition platform"
