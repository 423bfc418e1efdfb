"""Rebuild every evidence document still waiting to be checked, here and now.

After the upgrade that introduced rebuilding (migration partners 0002), documents stored before
it are `checking`: hidden from reviewers and learners until each is replaced by its copy rebuilt
from pixels. The periodic reconciler does this on its own within minutes when a worker runs;
this command does it at once, without a broker, and says how it went (counts only).
"""

from django.core.management.base import BaseCommand

from partners.services.documents import documents_rebuild_pending


class Command(BaseCommand):
    help = "Rebuild from pixels every evidence document still being checked (e.g. after upgrading)."

    def handle(self, *args, **options):
        counts = documents_rebuild_pending()
        self.stdout.write(
            "Documents rebuilt: {ready}; could not be read (learner told): {failed}; "
            "still being checked: {checking}.".format(**counts)
        )
