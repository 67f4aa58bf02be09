"""Every consultation transition, and every download of its documents, is in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from thamvan.audit.models import AuditEntry
from thamvan.audit.services import Action
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation, Invitation, Opinion, Response
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services import requests as request_services
from thamvan.core.tests.samples import pdf_bytes

pytestmark = pytest.mark.django_db


def _label(model: Any) -> str:
    return str(model._meta.label_lower)


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def _one(action: str, target: Any) -> AuditEntry:
    entries = [
        e
        for e in _entries(action)
        if e.target_type == _label(target) and e.target_id == str(target.pk)
    ]
    assert len(entries) == 1, f"{action} on {target!r}: {entries}"
    return entries[0]


def test_the_request_lifecycle_is_audited_with_its_actor_and_target(
    world: Any, officer: Any, secretariat: Any
) -> None:
    consultation = world.consultation
    request_services.consultation_update(actor=officer, consultation=consultation, title="Đợt 1")
    world.advance("accepted", officer=officer, secretariat=secretariat)

    update = _one("consultation.update", consultation)
    assert update.actor == officer
    assert update.details["fields"] == ["title"]
    sent = _one("consultation.send", consultation)
    assert sent.actor == officer
    assert sent.details == {"consultation": consultation.pk, "from": "draft", "to": "sent"}
    accepted = _one("consultation.accept", consultation)
    assert accepted.actor == secretariat
    assert accepted.details["to"] == "accepted"


def test_the_panel_and_the_opinions_are_audited_on_their_own_objects(
    world: Any, officer: Any, secretariat: Any, expert_user: Any, other_expert_user: Any
) -> None:
    consultation = world.advance("synthesizing", officer=officer, secretariat=secretariat)
    chair = Invitation.objects.get(consultation=consultation, expert=world.expert)
    accepted = _one("invitation.accept", chair)
    assert accepted.actor == expert_user
    assert accepted.details["independence_declared"] is True
    assert _one("invitation.set_chair", chair).actor == secretariat
    assert sorted(_one("invitation.send", consultation).details["experts"]) == sorted(
        [world.expert.pk, world.other_expert.pk]
    )
    assert _one("consultation.form_panel", consultation).details["to"] == "panel_forming"
    assert _one("consultation.start_review", consultation).details["to"] == "in_review"
    opinion = Opinion.objects.get(consultation=consultation, expert=world.expert)
    submitted = _one("opinion.submit", opinion)
    assert submitted.actor == expert_user
    assert submitted.details["consultation"] == consultation.pk
    assert _one("consultation.start_synthesis", consultation).details["to"] == "synthesizing"


def test_declining_an_invitation_is_audited_with_the_reason(
    world: Any, officer: Any, secretariat: Any, other_expert_user: Any
) -> None:
    consultation = world.advance("accepted", officer=officer, secretariat=secretariat)
    [invitation] = panel_services.invitations_send(
        actor=secretariat,
        consultation=consultation,
        picks=[panel_services.Pick(world.other_expert)],
    )
    panel_services.invitation_decline(actor=other_expert_user, invitation=invitation, reason="Bận.")
    entry = _one("invitation.decline", invitation)
    assert entry.actor == other_expert_user
    assert "Bận." in entry.details["reason"]


def test_the_report_responses_and_closing_are_audited(
    world: Any, officer: Any, secretariat: Any
) -> None:
    consultation = world.advance("reported", officer=officer, secretariat=secretariat)
    assert _one("consultation.save_synthesis", consultation).actor == secretariat
    assert _one("consultation.report", consultation).details["to"] == "reported"
    report = consultation.generated_documents.get(kind="report")
    assert _one("document.generate", report).details["kind"] == "report"
    item = outcome_services.items_to_answer(consultation).get()
    outcome_services.response_record(actor=officer, item=item, result="accepted")
    response = Response.objects.get(item=item)
    assert _one("response.record", response).details["result"] == "accepted"
    assert _one("consultation.start_responding", consultation).actor == officer
    outcome_services.consultation_close(actor=officer, consultation=consultation)
    assert _one("consultation.close", consultation).details["to"] == "closed"


def test_an_amendment_is_audited_on_the_new_revision(
    world: Any, officer: Any, secretariat: Any, expert_user: Any
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    opinion = opinion_services.opinion_start(actor=expert_user, consultation=consultation)
    opinion_services.opinion_save_draft(
        actor=expert_user, opinion=opinion, lock_version=opinion.lock_version, verdict="agree"
    )
    opinion_services.opinion_submit(
        actor=expert_user, opinion=opinion, lock_version=opinion.lock_version
    )
    amendment = opinion_services.opinion_amend(actor=expert_user, opinion=opinion)
    entry = _one("opinion.amend", amendment)
    assert entry.actor == expert_user
    assert entry.details["amends"] == opinion.pk


def test_an_opinion_received_on_paper_is_audited(
    world: Any, officer: Any, secretariat: Any
) -> None:
    consultation = world.advance("synthesizing", officer=officer, secretariat=secretariat)
    recorded = opinion_services.opinion_record_offline(
        actor=secretariat,
        consultation=consultation,
        source=Opinion.Source.PAPER,
        verdict=Opinion.Verdict.AGREE,
        author_name="Sở Giao thông vận tải",
    )
    assert _one("opinion.record", recorded).details["source"] == "paper"


def test_a_failed_transition_leaves_no_entry(
    world: Any, officer: Any, secretariat: Any, outsider: Any
) -> None:
    consultation = world.consultation
    before = AuditEntry.objects.count()
    with pytest.raises(ConsultationError):
        request_services.consultation_accept(actor=secretariat, consultation=consultation)
    with pytest.raises(ConsultationError):
        request_services.consultation_withdraw(actor=officer, consultation=consultation, reason="")
    with pytest.raises(ConsultationError):
        request_services.consultation_send(actor=outsider, consultation=consultation)
    assert AuditEntry.objects.count() == before
    assert Consultation.objects.get(pk=consultation.pk).state == "draft"


def test_the_entry_rolls_back_with_the_transaction_of_its_change(world: Any, officer: Any) -> None:
    consultation = world.consultation
    with pytest.raises(RuntimeError), transaction.atomic():
        request_services.consultation_send(actor=officer, consultation=consultation)
        assert _entries("consultation.send")
        raise RuntimeError("a later step of the same change failed")
    assert _entries("consultation.send") == []
    assert Consultation.objects.get(pk=consultation.pk).state == "draft"


@pytest.fixture
def reported(
    world: Any, officer: Any, secretariat: Any, django_capture_on_commit_callbacks: Any
) -> Consultation:
    with django_capture_on_commit_callbacks(execute=True):
        return world.advance("reported", officer=officer, secretariat=secretariat)


@pytest.mark.parametrize(
    ("kind", "action"),
    [("report", Action.DOWNLOAD), ("response_table", Action.DOWNLOAD), ("items", Action.EXPORT)],
)
def test_downloading_a_generated_document_is_audited(
    reported: Consultation, officer: Any, as_user: Any, kind: str, action: str
) -> None:
    record = reported.generated_documents.get(kind=kind)
    assert record.is_ready
    response = as_user(officer).get(record.get_download_url())
    assert response.status_code == 200
    b"".join(response.streaming_content)
    entry = _one(action, record)
    assert entry.actor == officer
    assert entry.details == {"consultation": reported.pk, "kind": kind}


@pytest.mark.parametrize("persona", ["outsider", "other_officer"])
def test_a_refused_download_is_not_logged_as_one(
    reported: Consultation, persona: str, request: pytest.FixtureRequest, as_user: Any
) -> None:
    record = reported.generated_documents.get(kind="report")
    response = as_user(request.getfixturevalue(persona)).get(record.get_download_url())
    assert response.status_code == 404
    assert _entries(Action.DOWNLOAD) == []


def test_downloading_an_opinion_attachment_is_audited(
    world: Any, officer: Any, secretariat: Any, expert_user: Any, as_user: Any
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    opinion = opinion_services.opinion_start(actor=expert_user, consultation=consultation)
    attachment = opinion_services.attachment_add(
        actor=expert_user,
        opinion=opinion,
        lock_version=opinion.lock_version,
        file=SimpleUploadedFile("gop-y.pdf", pdf_bytes()),
        filename="gop-y.pdf",
    )
    url = reverse(
        "consultations:attachment_download", args=[consultation.pk, opinion.pk, attachment.pk]
    )
    assert as_user(secretariat).get(url).status_code == 404
    assert _entries(Action.DOWNLOAD) == []
    response = as_user(expert_user).get(url)
    assert response.status_code == 200
    assert _one(Action.DOWNLOAD, attachment).details["opinion"] == opinion.pk
