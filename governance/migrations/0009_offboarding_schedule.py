"""Beat schedule for scheduled offboardings: every 15 minutes, the job runs each one whose
last day has ended in the leaver's time zone (idempotent)."""

from django.db import migrations

NAME = "Scheduled offboardings (every 15 minutes)"


def schedule(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_15m, _ = Interval.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={"task": "governance.tasks.offboardings_run_due", "interval": every_15m,
                  "queue": "governance"},
    )  # fmt: skip


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0008_offboarding_scheduled_followups_review_scope"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
