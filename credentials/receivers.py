"""Signal receivers, connected in CredentialsConfig.ready()."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Course, Provider
from .selectors import catalogue_changed
from .signals import enrolment_completed


@receiver(enrolment_completed, dispatch_uid="credentials.issue_on_completion")
def issue_credential_on_completion(sender, enrolment_id: int, **kwargs) -> None:
    # Sent after the completion is committed; the task locks the enrolment and issues once.
    from .tasks import credential_issue_task

    credential_issue_task.delay(enrolment_id)


@receiver([post_save, post_delete], sender=Course, dispatch_uid="credentials.catalogue_course")
@receiver([post_save, post_delete], sender=Provider, dispatch_uid="credentials.catalogue_provider")
def catalogue_stale(sender, **kwargs) -> None:
    # At once, not on commit: a page rendered in the instant between this and the commit keeps
    # the old catalogue for CATALOGUE_CACHE_SECONDS at most.
    catalogue_changed()
