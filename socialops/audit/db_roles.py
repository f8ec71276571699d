"""Who owns the audit tables on PostgreSQL (docs/deployment.md "Database roles").

The audit table, its checkpoint table and the trigger function that makes them append-only
belong to a separate NOLOGIN role, `socialops_audit_owner`. The app's role is granted only
SELECT and INSERT on them (and USAGE on their id sequences): not being the owner, it cannot
ALTER the tables (so cannot DISABLE their triggers), and it has no UPDATE, DELETE or
TRUNCATE privilege. Used by audit migration 0006 and by its test."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

OWNER_ROLE = "socialops_audit_owner"
TABLES = ("governance_auditevent", "audit_auditcheckpoint")
FUNCTION = "governance_audit_refuse()"


def _q(name: str) -> str:
    """A quoted SQL identifier (role and table names come from settings and constants)."""
    return '"' + name.replace('"', '""') + '"'


def _sequences(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT pg_get_serial_sequence(t, 'id') FROM unnest(%s::text[]) AS t", [list(TABLES)]
    )
    return [row[0] for row in cursor.fetchall() if row[0]]


def grant_app_privileges(cursor: Any, roles: Iterable[str]) -> None:
    """SELECT and INSERT on the audit tables, USAGE on their sequences, nothing else."""
    sequences = _sequences(cursor)
    for role in roles:
        for table in TABLES:
            cursor.execute(f"REVOKE ALL ON {_q(table)} FROM {_q(role)}")
            cursor.execute(f"GRANT SELECT, INSERT ON {_q(table)} TO {_q(role)}")
        for sequence in sequences:
            # pg_get_serial_sequence returns the name already quoted where needed.
            cursor.execute(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {_q(role)}")


def hand_audit_tables_to_owner(cursor: Any, app_roles: Iterable[str]) -> str | None:
    """Create the owner role if needed, make it own the audit tables and the trigger
    function, and grant `app_roles` only what the app needs. Returns None when done, or why
    it could not be done (the migrating role may not create roles and the owner role does
    not exist): docs/deployment.md gives the SQL for an administrator."""
    cursor.execute("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user")
    superuser, createrole = cursor.fetchone()
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [OWNER_ROLE])
    exists = cursor.fetchone() is not None
    if not exists:
        if not (superuser or createrole):
            return (
                f"the migrating role may not CREATE ROLE and {OWNER_ROLE} does not exist: "
                "create it and run the statements in docs/deployment.md as an administrator"
            )
        # Roles are cluster-wide: another database's migration may create it meanwhile.
        cursor.execute(
            "DO $$ BEGIN CREATE ROLE socialops_audit_owner NOLOGIN; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
    owner = _q(OWNER_ROLE)
    joined = False
    if not superuser:
        # ALTER ... OWNER TO needs membership in the new owner; it is given up again below,
        # so that this role cannot SET ROLE to the owner afterwards.
        cursor.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [OWNER_ROLE])
        if not cursor.fetchone()[0]:
            cursor.execute(f"GRANT {owner} TO CURRENT_USER")
            joined = True
    for table in TABLES:
        cursor.execute(f"ALTER TABLE {_q(table)} OWNER TO {owner}")
        cursor.execute(f"REVOKE ALL ON {_q(table)} FROM PUBLIC")
    cursor.execute(f"ALTER FUNCTION {FUNCTION} OWNER TO {owner}")
    roles = list(dict.fromkeys(app_roles))
    if not superuser:
        cursor.execute("SELECT current_user")
        roles.insert(0, cursor.fetchone()[0])
    grant_app_privileges(cursor, roles)
    if joined:
        cursor.execute(f"REVOKE {owner} FROM CURRENT_USER")
    return None


def give_audit_tables_back(cursor: Any) -> None:
    """Reverse: the migrating role owns the tables and the function again."""
    for table in TABLES:
        cursor.execute(f"ALTER TABLE {_q(table)} OWNER TO CURRENT_USER")
    cursor.execute(f"ALTER FUNCTION {FUNCTION} OWNER TO CURRENT_USER")
