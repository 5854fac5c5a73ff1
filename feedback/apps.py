from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Surveys, feedback and the client portal"

    def ready(self):
        from clients.signals import matter_closed

        from . import survey_admin  # noqa: F401  (registers the survey admin)
        from .surveys.matters import invite_on_matter_closed

        matter_closed.connect(
            invite_on_matter_closed, dispatch_uid="feedback.invite_on_matter_closed"
        )
