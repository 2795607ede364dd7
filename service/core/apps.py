from django.apps import AppConfig


class CoreConfig(AppConfig):
    """``core`` is an app only to own the migration that creates the shared cache table."""

    name = "core"
    verbose_name = "Core"
