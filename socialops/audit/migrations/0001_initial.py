"""The audit log moves below the apps. Its table, indexes and append-only triggers stay as
governance created them (0002, 0003): this migration only moves the model's state, and
governance 0006 removes it from governance's state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("governance", "0005_schedules"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField()),
                        ("actor_display", models.CharField(blank=True, max_length=150)),
                        ("action", models.CharField(max_length=64)),
                        ("target_type", models.CharField(max_length=64)),
                        ("target_id", models.CharField(max_length=64)),
                        ("data", models.JSONField(default=dict)),
                        ("prev_hash", models.CharField(max_length=64)),
                        ("hash", models.CharField(max_length=64, unique=True)),
                        ("actor", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "governance_auditevent",
                        "ordering": ["-pk"],
                        "indexes": [
                            models.Index(fields=["target_type", "target_id"], name="governance__target__e5d48d_idx"),
                            models.Index(fields=["at"], name="governance__at_4cbc46_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
