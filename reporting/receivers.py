"""Signal receivers, connected in ReportingConfig.ready()."""

from django.dispatch import receiver

from portal.signals import bulk_load_finished

from .refresh import rollups_refresh


@receiver(bulk_load_finished, dispatch_uid="reporting.rollups_after_bulk_load")
def rollups_after_bulk_load(sender, **kwargs) -> None:
    # At once, not through the queue: the one who loaded the data reads the dashboards next.
    rollups_refresh()
