"""Beat schedules for governance (django-celery-beat, editable in the admin): the outbox relay
every 10 seconds (the on-commit nudge makes it quicker still) and grant expiry hourly."""

from django.db import migrations

RELAY = "Outbox relay"
EXPIRE = "Grant expiry (hourly)"
REVIEWS = "Access reviews: revoke overdue items of auto-revoke campaigns (daily)"


def schedule(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_10s, _ = Interval.objects.get_or_create(every=10, period="seconds")
    hourly, _ = Crontab.objects.get_or_create(
        minute="5", hour="*", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="UTC",
    )  # fmt: skip
    PeriodicTask.objects.get_or_create(
        name=RELAY,
        defaults={"task": "governance.tasks.outbox_relay", "interval": every_10s,
                  "queue": "governance"},
    )  # fmt: skip
    daily, _ = Crontab.objects.get_or_create(
        minute="30", hour="6", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="UTC",
    )  # fmt: skip
    PeriodicTask.objects.get_or_create(
        name=REVIEWS,
        defaults={"task": "governance.tasks_reviews.reviews_enforce_overdue", "crontab": daily,
                  "queue": "governance"},
    )  # fmt: skip
    PeriodicTask.objects.get_or_create(
        name=EXPIRE,
        defaults={"task": "governance.tasks.grants_expire", "crontab": hourly,
                  "queue": "governance"},
    )  # fmt: skip


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[RELAY, EXPIRE, REVIEWS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0004_loginsession"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
