"""allauth kept an EmailAddress row for the placeholder address of every learner who signed up
with a phone number or was registered in person without an address (…@no-email.invalid), and
its e-mail pages listed it. Those rows go: the address is nobody's (portal/accounts.py no longer
writes them; portal.adapters.EmailVerificationStage does not ask to confirm it).
Kept with the learners' migrations: only learners have such addresses."""

from django.conf import settings
from django.db import migrations


def forget(apps, schema_editor):
    EmailAddress = apps.get_model("account", "EmailAddress")
    EmailAddress.objects.filter(email__iendswith="@" + settings.NO_EMAIL_DOMAIN).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0004_pending_registration_code"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
