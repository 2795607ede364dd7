from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access control and audit log"

    def ready(self) -> None:
        # Imported here, not at the top: an app's models may be imported only once the app registry is ready.
        from .services import sync_builtin_roles_after_migrate

        post_migrate.connect(sync_builtin_roles_after_migrate, sender=self)
