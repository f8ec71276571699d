"""The access-review job moved from governance.tasks_reviews into governance.tasks: point the
beat schedule's row at its new name."""

from django.db import migrations

OLD = "governance.tasks_reviews.reviews_enforce_overdue"
NEW = "governance.tasks.reviews_enforce_overdue"


def rename(apps, old: str, new: str) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task=old).update(task=new)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0006_auditevent_moves_to_audit"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: rename(apps, OLD, NEW),
            lambda apps, schema_editor: rename(apps, NEW, OLD),
        )
    ]
