import threading

import pytest
from django.db import connection, connections, transaction

from thamvan import audit
from thamvan.audit.models import AuditEntry
from thamvan.audit.verify import verify_chain


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers at BEGIN IMMEDIATE; bench/sqlite_writers.py covers it",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_extend_one_chain_without_forking():
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(15):
                with transaction.atomic():
                    audit.record(actor=None, action="load.test", data={"writer": n, "i": i})
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEntry.objects.count() == 60
    assert sorted(AuditEntry.objects.values_list("id", flat=True)) == list(range(1, 61))
    assert verify_chain().ok
