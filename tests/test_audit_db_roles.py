"""The app's database role cannot alter or disable the audit tables' triggers, nor change or
remove their rows (audit migration 0006, docs/deployment.md "Database roles"). Each test
creates a throwaway NOLOGIN role inside its transaction, gives it the app's privileges and
`SET ROLE`s to it; everything is rolled back with the test."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction

from socialops.audit.db_roles import OWNER_ROLE, grant_app_privileges, hand_audit_tables_to_owner
from socialops.audit.models import AuditCheckpoint, AuditEvent
from socialops.audit.services import audit_append

pytestmark = pytest.mark.django_db
APP_ROLE = "socialops_test_app_role"

REFUSED = [
    "ALTER TABLE governance_auditevent DISABLE TRIGGER ALL",
    "ALTER TABLE governance_auditevent DISABLE TRIGGER governance_audit_no_update_delete",
    "DROP TRIGGER governance_audit_no_update_delete ON governance_auditevent",
    "ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER ALL",
    "CREATE OR REPLACE FUNCTION governance_audit_refuse() RETURNS trigger AS "
    "$$ BEGIN RETURN NULL; END; $$ LANGUAGE plpgsql",
    "UPDATE governance_auditevent SET action = 'tampered'",
    "DELETE FROM governance_auditevent",
    "TRUNCATE governance_auditevent",
    "UPDATE audit_auditcheckpoint SET event_count = 0",
    "DELETE FROM audit_auditcheckpoint",
    "SET session_replication_role = replica",
]
# (SET ROLE to the owner cannot be shown refused here: SET ROLE is checked against the
# session's user, the test's superuser. The app role is not a member of the owner role.)


@pytest.fixture(autouse=True)
def _postgres():
    assert connection.vendor == "postgresql", "run the suite on PostgreSQL (make test)"
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = origin")


def _create_app_role() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
        # What any app role has on the rest of the schema; the audit tables as the migration
        # grants them.
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
        cursor.execute(f"GRANT SELECT ON auth_user TO {APP_ROLE}")


@contextmanager
def _as_app_role():
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def _refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as exc, transaction.atomic(), connection.cursor() as c:
        c.execute(sql)
    return str(exc.value)


def test_the_audit_tables_and_their_trigger_function_belong_to_the_owner_role(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, tableowner FROM pg_tables "
            "WHERE tablename IN ('governance_auditevent', 'audit_auditcheckpoint')"
        )
        assert dict(cursor.fetchall()) == {
            "governance_auditevent": OWNER_ROLE,
            "audit_auditcheckpoint": OWNER_ROLE,
        }
        cursor.execute(
            "SELECT pg_get_userbyid(proowner) FROM pg_proc "
            "WHERE proname = 'governance_audit_refuse'"
        )
        assert cursor.fetchone()[0] == OWNER_ROLE
        cursor.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [OWNER_ROLE])
        assert cursor.fetchone()[0] is False


def test_the_app_role_may_insert_and_read_but_not_tamper(personas, settings):
    settings.AUDIT_CHECKPOINT_KEY = "test-only-key"
    audit_append(actor=None, action="test.before", target_type="channel", target_id=1)
    _create_app_role()
    with connection.cursor() as cursor:
        grant_app_privileges(cursor, [APP_ROLE])
    with _as_app_role():
        for sql in REFUSED:
            message = _refused(sql)
            assert "permission denied" in message or "must be owner" in message, (sql, message)
        # Appending, reading and checkpointing still work.
        event = audit_append(actor=None, action="test.as_app", target_type="channel", target_id=2)
        from socialops.audit.checkpoints import audit_checkpoint_write

        checkpoint = audit_checkpoint_write()
        assert checkpoint.last_event_id == event.pk
        assert AuditEvent.objects.count() == 2 and AuditCheckpoint.objects.count() == 1


def test_the_migration_takes_the_triggers_away_from_the_old_owner(db):
    """Before 0006 the app's role owned the table and could disable its triggers; the
    migration's step hands the table to the owner role and leaves the app role refused."""
    _create_app_role()
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE governance_auditevent OWNER TO {APP_ROLE}")
        cursor.execute(f"ALTER TABLE audit_auditcheckpoint OWNER TO {APP_ROLE}")
        cursor.execute(f"ALTER FUNCTION governance_audit_refuse() OWNER TO {APP_ROLE}")
    with _as_app_role(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE governance_auditevent DISABLE TRIGGER ALL")  # the hole
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        assert hand_audit_tables_to_owner(cursor, [APP_ROLE]) is None
    with _as_app_role():
        assert "must be owner" in _refused("ALTER TABLE governance_auditevent DISABLE TRIGGER ALL")
        assert "permission denied" in _refused("DELETE FROM governance_auditevent")
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO governance_auditevent (at, actor_display, action, target_type, "
                "target_id, data, prev_hash, hash) VALUES (now(), '', 'x', 'channel', '1', "
                "'{}', %s, %s)",
                ["0" * 64, "f" * 64],
            )
