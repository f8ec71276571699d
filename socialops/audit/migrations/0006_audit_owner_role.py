"""The app's database role may no longer alter or disable the audit tables' triggers: the
tables and their trigger function are handed to the NOLOGIN role socialops_audit_owner, and
the migrating role (when not a superuser) and AUDIT_DB_APP_ROLES get only SELECT and INSERT
(socialops.audit.db_roles; docs/deployment.md "Database roles"). PostgreSQL only; a no-op on
SQLite. When the migrating role may not create roles, it changes nothing and says so."""

import sys

from django.conf import settings
from django.db import migrations

from socialops.audit.db_roles import give_audit_tables_back, hand_audit_tables_to_owner


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        why_not = hand_audit_tables_to_owner(cursor, settings.AUDIT_DB_APP_ROLES)
    if why_not:
        sys.stderr.write(f"\n  audit 0006: audit tables NOT handed to their owner role: {why_not}\n")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            give_audit_tables_back(cursor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_audit_checkpoint_schedule")]

    operations = [migrations.RunPython(forwards, backwards)]
