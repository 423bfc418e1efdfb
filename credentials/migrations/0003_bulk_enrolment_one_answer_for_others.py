"""Lines of earlier bulk enrolment files that said "unknown learner" now say what every such line
says: no learner verified by the organisation uses the address (docs/decisions/0015)."""

from django.db import migrations


def merge(apps, schema_editor):
    ImportRow = apps.get_model("credentials", "ImportRow")
    ImportRow.objects.filter(job__kind="bulk_enrolment", result="unknown_learner").update(
        result="not_verified", message="not_verified"
    )


class Migration(migrations.Migration):
    dependencies = [("credentials", "0002_credentials_and_status_lists")]

    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
