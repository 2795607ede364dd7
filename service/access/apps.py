from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access control and audit log"

    def ready(self) -> None:
        from .builtin_roles import sync_builtin_roles_after_migrate

        post_migrate.connect(sync_builtin_roles_after_migrate, sender=self)
