# Migration 0003 added the protected counts with a default of 0 to summary rows that already
# existed. Every output shows the protected counts, so until the next refresh each figure read
# "<5". The summary level (never the live tables) is emptied here, which is how the roll-ups say
# "never computed": dashboards show "No figures yet" until the periodic refresh (every 15 minutes)
# or an admin's "Recalculate the figures now", and exports and monthly reports rebuild the
# roll-ups before they read them (services._ensure_rollups). The heavy refresh itself does not run
# inside the migration.

from django.db import migrations


def stale_summaries_delete(apps, schema_editor):
    """Delete the summaries built before the protected counts existed. Harmless to run again or
    on a fresh database (there is nothing to delete)."""
    for model in ("SummaryCount", "DecisionTime", "SeatUsage"):
        apps.get_model("reporting", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0004_withdraw_learner_list"),
    ]

    operations = [
        migrations.RunPython(stale_summaries_delete, migrations.RunPython.noop),
    ]
