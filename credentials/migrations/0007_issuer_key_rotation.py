"""Signing keys get a key id (key-1, key-2... in order of creation), a retirement date and a
compromise date; exactly one key is current.

Until now the key in use was whatever CREDENTIAL_SIGNING_KEY said (or the generated one): that
key stays current, every other one is retired now."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone


def number_and_retire(apps, schema_editor):
    IssuerKey = apps.get_model("credentials", "IssuerKey")
    keys = list(IssuerKey.objects.order_by("created_at", "id"))
    for number, key in enumerate(keys, start=1):
        key.key_id = f"key-{number}"
        key.save(update_fields=["key_id"])
    if not keys:
        return
    current = keys[-1]
    configured = getattr(settings, "CREDENTIAL_SIGNING_KEY", "")
    if configured:
        from credentials.vc.keys import KeyFormatError, SigningKey, private_key_from_text

        try:
            did = SigningKey(private_key_from_text(configured)).did_key
        except KeyFormatError:
            did = ""
        current = next((key for key in keys if key.did == did), current)
    elif any(key.generated for key in keys):
        current = next(key for key in keys if key.generated)
    IssuerKey.objects.exclude(pk=current.pk).update(retired_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0006_learner_references_for_enrolments"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="issuerkey", name="one_generated_issuer_key"),
        migrations.AddField(
            model_name="issuerkey",
            name="key_id",
            field=models.CharField(editable=False, max_length=20, null=True),
        ),
        migrations.AddField(
            model_name="issuerkey",
            name="retired_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="issuerkey",
            name="compromised_since",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(number_and_retire, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="issuerkey",
            name="key_id",
            field=models.CharField(editable=False, max_length=20, unique=True),
        ),
        migrations.AlterModelOptions(
            name="issuerkey",
            options={
                "ordering": ["created_at", "id"],
                "verbose_name": "credential signing key",
                "verbose_name_plural": "credential signing keys",
            },
        ),
        migrations.AddConstraint(
            model_name="issuerkey",
            constraint=models.UniqueConstraint(
                condition=Q(retired_at__isnull=True),
                fields=("retired_at",),
                name="one_current_issuer_key",
                nulls_distinct=False,
            ),
        ),
        migrations.AddConstraint(
            model_name="issuerkey",
            constraint=models.CheckConstraint(
                condition=Q(compromised_since__isnull=True) | Q(retired_at__isnull=False),
                name="compromised_issuer_key_is_retired",
            ),
        ),
    ]
