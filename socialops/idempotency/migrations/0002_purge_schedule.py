"""Beat schedule for the daily purge of idempotency records past their 7 days
(django-celery-beat, editable in the admin): 03:40 UTC."""

from django.db import migrations

DAILY = "Idempotency records: purge those older than 7 days (daily)"
TASK = "socialops.idempotency.tasks.idempotency_purge"


def schedule(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    daily, _ = Crontab.objects.get_or_create(
        minute="40", hour="3", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="UTC",
    )  # fmt: skip
    PeriodicTask.objects.get_or_create(
        name=DAILY, defaults={"task": TASK, "crontab": daily, "queue": "default"}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=DAILY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("idempotency", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
