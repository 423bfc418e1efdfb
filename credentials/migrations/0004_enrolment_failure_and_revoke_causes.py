"""Why an enrolment failed or was withdrawn, as a choice (it was read from English text before):
the learner's dashboard and e-mails say what fits the cause. Existing enrolments get the cause
their text stood for; the text itself stays (for staff)."""

import re

from django.db import migrations, models

# credentials/adapters.py when this migration was written: these 4xx answers were retried (so a
# final "provider answered 4xx" with one of them meant the provider was unavailable).
RETRYABLE_4XX = {401, 403, 408, 409, 425, 429}
ANSWERED = re.compile(r"^provider answered (\d{3})$")


def failure_cause(reason: str) -> str:
    if "access code" in reason:  # "no unused access codes for provider <id>"
        return "no_access_codes"
    answered = ANSWERED.match(reason)
    code = int(answered.group(1)) if answered else 0
    if 400 <= code < 500 and code not in RETRYABLE_4XX:
        return "provider_refused"
    return "provider_unavailable"


def revoke_cause(reason: str) -> str:
    if reason == "verification expired while waiting":
        return "verification_expired"
    # A coordinator must give a reason; only the learner's own erasure leaves none.
    return "partner" if reason else "account_deleted"


def set_causes(apps, schema_editor):
    Enrolment = apps.get_model("credentials", "Enrolment")
    failed = Enrolment.objects.filter(status="failed", failure_cause="")
    for reason in failed.values_list("failure_reason", flat=True).distinct():
        failed.filter(failure_reason=reason).update(failure_cause=failure_cause(reason))
    revoked = Enrolment.objects.filter(status="revoked", revoke_cause="")
    for reason in revoked.values_list("revoke_reason", flat=True).distinct():
        revoked.filter(revoke_reason=reason).update(revoke_cause=revoke_cause(reason))


class Migration(migrations.Migration):
    dependencies = [("credentials", "0003_bulk_enrolment_one_answer_for_others")]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="failure_cause",
            field=models.CharField(
                blank=True,
                choices=[
                    ("provider_refused", "The provider refused the enrolment"),
                    ("provider_unavailable", "The provider did not answer"),
                    ("no_access_codes", "No access codes left"),
                ],
                db_default="",
                default="",
                max_length=30,
                verbose_name="cause",
            ),
        ),
        migrations.AddField(
            model_name="enrolment",
            name="revoke_cause",
            field=models.CharField(
                blank=True,
                choices=[
                    ("partner", "Withdrawn by the partner"),
                    ("verification_expired", "Verification expired while waiting"),
                    ("account_deleted", "The learner deleted their account"),
                ],
                db_default="",
                default="",
                max_length=30,
                verbose_name="cause",
            ),
        ),
        migrations.RunPython(set_causes, migrations.RunPython.noop),
    ]
