"""Database triggers that refuse UPDATE and DELETE on the audit log, per vendor.

The hash chain detects tampering after the fact; the triggers stop the
application (or a careless operator) from changing history in the first place.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

REFUSAL = "audit log is append-only"

_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_auditentry
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_auditentry
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    # The head may only move forward one entry at a time, and never vanish.
    f"""CREATE TRIGGER IF NOT EXISTS audit_head_forward_only BEFORE UPDATE ON audit_chainhead
    WHEN NEW.seq <> OLD.seq + 1 OR NEW.id <> OLD.id
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON audit_chainhead
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_forward_only",
    "DROP TRIGGER IF EXISTS audit_head_no_delete",
]

_POSTGRES_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger AS $$
    BEGIN
      IF NEW.seq <> OLD.seq + 1 OR NEW.id <> OLD.id THEN RAISE EXCEPTION '{REFUSAL}'; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry",
    """CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry",
    """CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()""",
    "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_chainhead",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_chainhead
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()""",
    "DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_chainhead",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE OR TRUNCATE ON audit_chainhead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()""",
]
_POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry",
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry",
    "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_chainhead",
    "DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_chainhead",
    "DROP FUNCTION IF EXISTS audit_head_forward_only()",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]


def _statements(connection: BaseDatabaseWrapper, *, install: bool) -> list[str]:
    if connection.vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_REMOVE
    if connection.vendor == "postgresql":
        return _POSTGRES_INSTALL if install else _POSTGRES_REMOVE
    return []


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=True):
            cursor.execute(statement)


def remove(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=False):
            cursor.execute(statement)
