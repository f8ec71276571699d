"""Beat schedule for the signed checkpoint of the audit chain head: every 5 minutes
(django-celery-beat, editable in the admin)."""

from django.db import migrations

NAME = "Audit chain checkpoint (every 5 minutes)"
TASK = "socialops.audit.tasks.audit_checkpoint"


def schedule(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_5m, _ = Interval.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "interval": every_5m, "queue": "governance"}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_auditcheckpoint"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
