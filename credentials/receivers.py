"""Signal receivers, connected in CredentialsConfig.ready()."""

from django.dispatch import receiver

from .signals import enrolment_completed


@receiver(enrolment_completed, dispatch_uid="credentials.issue_on_completion")
def issue_credential_on_completion(sender, enrolment_id: int, **kwargs) -> None:
    # Sent after the completion is committed; the task locks the enrolment and issues once.
    from .tasks import credential_issue_task

    credential_issue_task.delay(enrolment_id)
