# The row-level "list of learners" export is withdrawn (docs/decisions/0014): its exact class
# sizes undid the rounding of every other output. Its jobs and their files (one row per learner)
# are deleted, not left to expire, and the kind leaves the choices.

from django.core.files.storage import storages
from django.db import migrations, models

LEARNER_LIST = "learners"


def learner_lists_delete(apps, schema_editor):
    """Delete every job of the withdrawn kind and its private file. Missing files are fine (an
    expired or failed job has none; a file may already be gone)."""
    ExportJob = apps.get_model("reporting", "ExportJob")
    jobs = ExportJob.objects.filter(kind=LEARNER_LIST)
    names = [name for name in jobs.values_list("file_name", flat=True) if name]
    jobs.delete()
    storage = storages["private"]
    for name in names:
        try:
            storage.delete(name)
        except FileNotFoundError:
            pass


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_protected_counts"),
    ]

    operations = [
        migrations.RunPython(learner_lists_delete, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="exportjob",
            name="kind",
            field=models.CharField(
                choices=[
                    ("programme_aggregates", "Programme figures (counts)"),
                    ("partner_aggregates", "Partner figures (counts)"),
                ],
                max_length=30,
            ),
        ),
    ]
