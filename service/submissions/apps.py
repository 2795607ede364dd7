from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"

    def ready(self) -> None:
        # Imported here, not at the top: an app's models may be imported only once the app registry is ready.
        from competitions.signals import final_submissions_limit_changed

        from .finals import on_limit_changed

        final_submissions_limit_changed.connect(on_limit_changed, dispatch_uid="submissions.finals.on_limit_changed")
