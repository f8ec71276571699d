"""The nightly recompute, scheduled through django-celery-beat (editable in the admin).

12:00 UTC: yesterday (UTC) has ended in every time zone by then (docs/scoring.md "Which day").
"""

from django.db import migrations

TASK_NAME = "Nightly burnout scores and staffing (yesterday)"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="12", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="UTC",
    )  # fmt: skip
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "workload.tasks.recompute_all", "crontab": crontab, "queue": "scores"},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workload", "0002_burnoutscore_pulseresponse_recomputejob_and_more"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
