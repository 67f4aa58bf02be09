from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from thamvan import audit
from thamvan.audit.models import AuditEntry, ChainHead
from thamvan.audit.triggers import REFUSAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(secretariat):
    return audit.record(actor=secretariat, action="login.succeeded")


def _refused(sql: str, params: list[Any]) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    return str(caught.value)


def test_the_database_refuses_to_update_an_entry(entry):
    assert REFUSAL in _refused(
        "UPDATE audit_auditentry SET action = %s WHERE id = %s", ["login.failed", entry.id]
    )
    assert AuditEntry.objects.get().action == "login.succeeded"


def test_the_database_refuses_to_delete_an_entry(entry):
    assert REFUSAL in _refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.id])
    assert AuditEntry.objects.filter(pk=entry.id).exists()


def test_the_orm_cannot_delete_entries_either(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 1


def test_the_chain_head_only_moves_forward_by_one(entry):
    assert REFUSAL in _refused("UPDATE audit_chainhead SET seq = seq - 1", [])
    assert REFUSAL in _refused("UPDATE audit_chainhead SET seq = seq + 5", [])
    assert REFUSAL in _refused("DELETE FROM audit_chainhead", [])
    assert ChainHead.objects.get().seq == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgresql_refuses_to_truncate_the_log(entry):
    assert REFUSAL in _refused("TRUNCATE audit_auditentry", [])


@pytest.mark.django_db(transaction=True)
def test_flush_between_transactional_tests_still_works_and_keeps_the_triggers(secretariat):
    from django.core.management import call_command

    audit.record(actor=secretariat, action="login.succeeded")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists()
    entry = audit.record(actor=None, action="login.failed")
    assert entry.id == 1
    assert REFUSAL in _refused("DELETE FROM audit_auditentry", [])
