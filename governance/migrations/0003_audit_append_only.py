"""The audit table is append-only on PostgreSQL: triggers refuse UPDATE, DELETE and TRUNCATE.

(SQLite, used only by `make run`, has no such triggers; deployments run PostgreSQL.)
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION governance_audit_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER governance_audit_no_update_delete
    BEFORE UPDATE OR DELETE ON governance_auditevent
    FOR EACH ROW EXECUTE FUNCTION governance_audit_refuse();

CREATE TRIGGER governance_audit_no_truncate
    BEFORE TRUNCATE ON governance_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION governance_audit_refuse();
"""

DROP = """
DROP TRIGGER IF EXISTS governance_audit_no_truncate ON governance_auditevent;
DROP TRIGGER IF EXISTS governance_audit_no_update_delete ON governance_auditevent;
DROP FUNCTION IF EXISTS governance_audit_refuse();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_accessreview_connector_offboarding_outboxmessage_and_more")]

    operations = [migrations.RunPython(forwards, backwards)]
