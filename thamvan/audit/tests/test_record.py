import pytest
from django.db import transaction

from thamvan import audit
from thamvan.audit.models import GENESIS_HASH, AuditEntry, ChainHead
from thamvan.audit.services import BAD_ACTION_MESSAGE
from thamvan.audit.verify import verify_chain

pytestmark = pytest.mark.django_db


def test_each_entry_links_to_the_previous_one_by_hash(secretariat, orgs):
    first = audit.record(actor=secretariat, action="organization.update", target=orgs.city)
    second = audit.record(actor=None, action="login.failed", data={"email": "x@example.vn"})
    assert first.id == 1 and second.id == 2
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert ChainHead.objects.get().hash == second.hash
    assert verify_chain().ok


def test_an_entry_names_the_actor_and_the_target(secretariat, orgs):
    entry = audit.record(
        actor=secretariat, action="organization.update", target=orgs.city, data={"field": "name"}
    )
    entry.refresh_from_db()
    assert entry.actor == secretariat
    assert entry.actor_label == "secretariat@example.vn"
    assert entry.target_type == "organizations.organization"
    assert entry.target_id == str(orgs.city.pk)
    assert entry.details == {"field": "name"}


def test_an_entry_is_rolled_back_with_the_change_it_records(secretariat):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=secretariat, action="consultation.send")
        raise RuntimeError("the service failed after recording")
    assert not AuditEntry.objects.exists()
    assert audit.record(actor=secretariat, action="consultation.send").id == 1


def test_dates_and_decimals_in_details_are_stored_as_text_that_verifies(secretariat):
    import datetime
    from decimal import Decimal

    audit.record(
        actor=secretariat,
        action="report.export",
        data={"on": datetime.date(2026, 2, 5), "amount": Decimal("1.50"), "tên": "Đống Đa"},
    )
    entry = AuditEntry.objects.get()
    assert entry.details == {"on": "2026-02-05", "amount": "1.50", "tên": "Đống Đa"}
    assert verify_chain().ok


def test_action_names_must_be_dotted_lower_case(secretariat):
    with pytest.raises(ValueError, match=BAD_ACTION_MESSAGE):
        audit.record(actor=secretariat, action="Login Failed")


def test_a_denied_access_records_the_requested_id_without_the_object(rf, officer):
    request = rf.get("/dossiers/99/")
    request.user = officer
    entry = audit.record_denied(request=request, target_type="dossiers.dossier", target_id=99)
    assert entry.action == "access.denied"
    assert (entry.target_type, entry.target_id) == ("dossiers.dossier", "99")
    assert entry.details == {"path": "/dossiers/99/", "method": "GET"}
    assert entry.ip_address == "127.0.0.1"
