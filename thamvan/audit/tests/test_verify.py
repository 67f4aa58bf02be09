from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from thamvan import audit
from thamvan.audit import triggers

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(secretariat):
    return [
        audit.record(actor=secretariat, action="login.succeeded", data={"n": n}) for n in range(6)
    ]


def _verify() -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def _tamper(sql: str, params: list[Any]) -> None:
    # The test transaction rolls the dropped triggers back afterwards.
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_intact_chain_verifies_with_exit_code_0(chain):
    code, output = _verify()
    assert code == 0
    assert "OK: 6 entries" in output
    assert chain[-1].hash in output


def test_an_altered_entry_is_reported_by_id(chain):
    _tamper("UPDATE audit_auditentry SET actor_label = %s WHERE id = %s", ["x@evil.vn", 3])
    code, output = _verify()
    assert code == 1
    assert "altered entries: 3" in output
    assert "removed" not in output


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(chain):
    from thamvan.audit.models import AuditEntry

    forged = AuditEntry.objects.get(pk=2)
    forged.data = '{"n":99}'
    _tamper(
        "UPDATE audit_auditentry SET data = %s, hash = %s WHERE id = 2",
        [forged.data, forged.compute_hash()],
    )
    code, output = _verify()
    assert code == 1
    assert "altered entries: 2" in output


def test_a_deleted_entry_is_reported_by_id(chain):
    _tamper("DELETE FROM audit_auditentry WHERE id IN (%s, %s)", [2, 4])
    code, output = _verify()
    assert code == 1
    assert "removed entries: 2, 4" in output


def test_deleting_the_newest_entries_is_caught_by_the_head(chain):
    _tamper("DELETE FROM audit_auditentry WHERE id >= %s", [5])
    code, output = _verify()
    assert code == 1
    assert "removed entries: 5, 6" in output


def test_both_an_alteration_and_a_deletion_are_reported_together(chain):
    _tamper("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["login.failed", 1])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [5])
    code, output = _verify()
    assert code == 1
    assert "altered entries: 1" in output
    assert "removed entries: 5" in output
