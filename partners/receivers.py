"""Signal receivers of the partners app (connected in PartnersConfig.ready)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Application
from .selectors import queue_counts_invalidate


@receiver([post_save, post_delete], sender=Application, dispatch_uid="partners.queue_counts")
def queue_counts_stale(sender, instance: Application, **kwargs) -> None:
    # At once, not on commit: no extra commit hook on every decision. A queue counted in the
    # instant between this and the commit keeps its counts for QUEUE_COUNTS_SECONDS at most.
    queue_counts_invalidate(instance.partner_id)
    if kwargs.get("created"):
        # A new application is the learner's current one: the partners of their earlier ones
        # no longer count them in their queues (partners/reach.py).
        earlier = (
            Application.objects.filter(learner_id=instance.learner_id)
            .exclude(partner_id=instance.partner_id)
            .values_list("partner_id", flat=True)
            .distinct()
        )
        for partner_id in earlier:
            queue_counts_invalidate(partner_id)
