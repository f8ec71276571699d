"""Signed checkpoints of the chain head (socialops.audit.checkpoints). On PostgreSQL the
table is append-only like the audit table: the same trigger function refuses UPDATE, DELETE
and TRUNCATE."""

from django.db import migrations, models

CREATE = """
CREATE TRIGGER audit_checkpoint_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION governance_audit_refuse();
CREATE TRIGGER audit_checkpoint_no_truncate
    BEFORE TRUNCATE ON audit_auditcheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION governance_audit_refuse();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON audit_auditcheckpoint;
DROP TRIGGER IF EXISTS audit_checkpoint_no_update_delete ON audit_auditcheckpoint;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_audit_verify_schedule"),
        ("governance", "0003_audit_append_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField()),
                ("last_event_id", models.BigIntegerField()),
                ("last_hash", models.CharField(max_length=64)),
                ("event_count", models.BigIntegerField()),
                ("display_digest", models.CharField(max_length=64)),
                ("signature", models.CharField(max_length=64)),
            ],
            options={"ordering": ["-last_event_id", "-pk"]},
        ),
        migrations.RunPython(forwards, backwards),
    ]
