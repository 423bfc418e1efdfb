"""Programme admins stop being superusers (docs/decisions/0014).

Creates the "Programme admins" group with its explicit permissions, puts every programme admin in
it, and demotes the programme admins who were superusers (each demotion is audited). The operator
creates their own superuser afterwards with `manage.py createsuperuser` (role "operator").
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

from portal.admin_access import programme_admin_group_sync


def forwards(apps, schema_editor):
    # Permissions are normally created after `migrate` finishes (post_migrate): create them now
    # so that the group can be given them on a fresh database too.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group = programme_admin_group_sync(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )
    User = apps.get_model("portal", "User")
    AuditEvent = apps.get_model("portal", "AuditEvent")
    for user in User.objects.filter(role="programme_admin", is_superuser=True):
        user.is_superuser = False
        user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
        AuditEvent.objects.create(
            actor=None,
            action="user.superuser_removed",
            object_type="portal.user",
            object_id=str(user.pk),
            data={"by": "migration portal.0005"},
        )
    group.user_set.add(*User.objects.filter(role="programme_admin"))


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_user_email_upper_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("partners", "0001_initial"),
        ("credentials", "0002_credentials_and_status_lists"),
        ("learners", "0002_data_export"),
        ("reporting", "0002_reportdelivery"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="role",
            field=models.CharField(
                choices=[
                    ("learner", "Learner"),
                    ("partner_staff", "Partner staff"),
                    ("programme_admin", "Programme admin"),
                    ("operator", "Operator"),
                ],
                db_index=True,
                default="learner",
                max_length=20,
                verbose_name="role",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
