"""AuditEvent now belongs to socialops.audit (its 0001); the table stays where it is."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0005_schedules"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
