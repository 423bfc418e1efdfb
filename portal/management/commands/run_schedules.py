"""`manage.py run_schedules`: run production's periodic jobs in this process, when they are due.

For the README's default set-up (no broker), and started by `make run` beside runserver. With a
broker, `celery beat` and a worker do this (`make stack`, Procfile). portal/schedules.py says how.
"""

import signal
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from portal.schedules import schedules_run_due, schedules_scheduler


class Command(BaseCommand):
    help = "Run the periodic jobs (CELERY_BEAT_SCHEDULE) in this process when they are due."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Run the jobs due now, then stop (e.g. from cron)."
        )

    def handle(self, *args, once: bool = False, **options):
        try:
            scheduler = schedules_scheduler()
        except RuntimeError as error:
            raise CommandError(f"{error}; run `celery beat` and a worker instead.") from error
        if not once:
            self.stdout.write(
                f"Periodic jobs: {len(scheduler.schedule)} on the schedule, run in this process "
                "when due (Ctrl-C stops them)."
            )
        # `make run` stops it with SIGTERM when runserver ends: leave through `finally`.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        try:
            while True:
                delay = schedules_run_due(scheduler)
                if once:
                    break
                time.sleep(max(delay, 1))
        except KeyboardInterrupt:
            pass
        finally:
            scheduler.close()  # writes the last runs to the table
