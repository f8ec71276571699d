"""Beat schedule for the nightly audit chain check (django-celery-beat, editable in the
admin): 02:15 UTC, when little else writes to the log."""

from django.db import migrations

NIGHTLY = "Audit chain verification (nightly)"
TASK = "socialops.audit.tasks.audit_verify_nightly"


def schedule(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = Crontab.objects.get_or_create(
        minute="15", hour="2", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="UTC",
    )  # fmt: skip
    PeriodicTask.objects.get_or_create(
        name=NIGHTLY, defaults={"task": TASK, "crontab": nightly, "queue": "governance"}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NIGHTLY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_auditverification"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
