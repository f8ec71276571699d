"""The daily retention purge (docs/privacy.md "Retention"), scheduled through
django-celery-beat (editable in the admin). 03:30 UTC, away from the 12:00 recompute."""

from django.db import migrations

TASK_NAME = "Daily retention purge of old personal data"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="UTC",
    )  # fmt: skip
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "workload.tasks.retention_purge_daily", "crontab": crontab,
            "queue": "default",
        },
    )  # fmt: skip


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workload", "0005_timer_and_copied_from"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
