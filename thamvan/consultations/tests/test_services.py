"""Lifecycle services: for each transition, who may do it in which state, and who may not."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.utils import timezone

from thamvan.consultations.deadlines import add_days
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation, Invitation, Opinion, State, Transition
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services import requests as request_services
from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.documents.models import GeneratedDocument
from thamvan.dossiers.tests.factories import DossierVersionFactory
from thamvan.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _codes(error: ConsultationError) -> str:
    return error.code or ""


def test_sending_freezes_the_version_and_records_the_transition(world, officer, secretariat):
    consultation = world.consultation
    request_services.consultation_send(actor=officer, consultation=consultation)
    consultation.version.refresh_from_db()
    assert consultation.version.is_frozen
    last = Transition.objects.filter(consultation=consultation).latest("pk")
    assert (last.from_state, last.to_state, last.actor) == ("draft", "sent", officer)
    assert Notification.objects.filter(recipient=secretariat, kind="consultation_sent").exists()


@pytest.mark.parametrize("persona", ["secretariat", "other_officer", "leadership", "expert_user"])
def test_only_the_agency_may_send(world, persona, request):
    with pytest.raises(ConsultationError) as error:
        request_services.consultation_send(
            actor=request.getfixturevalue(persona), consultation=world.consultation
        )
    assert _codes(error.value) == "forbidden"
    world.consultation.refresh_from_db()
    assert world.consultation.state == State.DRAFT


def test_a_sent_consultation_cannot_be_sent_again(world, officer):
    request_services.consultation_send(actor=officer, consultation=world.consultation)
    with pytest.raises(ConsultationError) as error:
        request_services.consultation_send(actor=officer, consultation=world.consultation)
    assert _codes(error.value) == "state"


def test_accepting_sets_the_deadline_from_configuration(world, officer, secretariat):
    request_services.consultation_send(actor=officer, consultation=world.consultation)
    request_services.consultation_accept(actor=secretariat, consultation=world.consultation)
    world.consultation.refresh_from_db()
    assert world.consultation.state == State.ACCEPTED
    assert world.consultation.deadline is not None
    # The answer period starts on the local day (Asia/Ho_Chi_Minh), not the UTC one.
    accepted_on = timezone.localdate(world.consultation.accepted_at)
    assert (world.consultation.deadline - accepted_on).days in (14, 15)
    assert Notification.objects.filter(recipient=officer, kind="consultation_accepted").exists()


@pytest.mark.parametrize("persona", ["officer", "leadership", "expert_user"])
def test_only_the_secretariat_may_accept_or_return(world, officer, persona, request):
    request_services.consultation_send(actor=officer, consultation=world.consultation)
    actor = request.getfixturevalue(persona)
    with pytest.raises(ConsultationError):
        request_services.consultation_accept(actor=actor, consultation=world.consultation)
    with pytest.raises(ConsultationError):
        request_services.consultation_return(
            actor=actor, consultation=world.consultation, reason="x"
        )


def test_returning_needs_a_reason_and_records_it(world, officer, secretariat):
    request_services.consultation_send(actor=officer, consultation=world.consultation)
    with pytest.raises(ConsultationError) as error:
        request_services.consultation_return(
            actor=secretariat, consultation=world.consultation, reason=" "
        )
    assert _codes(error.value) == "reason"
    request_services.consultation_return(
        actor=secretariat, consultation=world.consultation, reason="Thiếu bản vẽ"
    )
    last = Transition.objects.filter(consultation=world.consultation).latest("pk")
    assert (last.to_state, last.reason) == ("returned", "Thiếu bản vẽ")


def test_a_draft_cannot_be_accepted(world, secretariat):
    with pytest.raises(ConsultationError) as error:
        request_services.consultation_accept(actor=secretariat, consultation=world.consultation)
    # The secretariat cannot even act on a draft it is not shown.
    assert _codes(error.value) in ("state", "forbidden")


def test_the_agency_withdraws_with_a_reason_but_not_after_synthesis(world, officer, secretariat):
    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    with pytest.raises(ConsultationError) as error:
        request_services.consultation_withdraw(
            actor=officer, consultation=world.consultation, reason="Dừng"
        )
    assert _codes(error.value) == "state"


def test_withdrawal_by_the_agency_expires_pending_invitations(world, officer, secretariat):
    world.advance("accepted", officer=officer, secretariat=secretariat)
    panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[panel_services.Pick(expert=world.expert)],
    )
    with pytest.raises(ConsultationError):
        request_services.consultation_withdraw(
            actor=secretariat, consultation=world.consultation, reason="x"
        )
    request_services.consultation_withdraw(
        actor=officer, consultation=world.consultation, reason="Dừng"
    )
    assert world.consultation.state == State.WITHDRAWN
    assert world.consultation.invitations.get().state == Invitation.Status.EXPIRED


def test_a_new_round_links_to_the_previous_one(world, officer, secretariat):
    world.advance("sent", officer=officer, secretariat=secretariat)
    request_services.consultation_return(
        actor=secretariat, consultation=world.consultation, reason="x"
    )
    newer = DossierVersionFactory.create(dossier=world.consultation.dossier)
    second = request_services.consultation_new_round(
        actor=officer, previous=world.consultation, version=newer
    )
    assert (second.previous, second.round_number, second.state) == (world.consultation, 2, "draft")
    assert second.questions.count() == world.consultation.questions.count()


def test_choosing_outside_the_recommendation_needs_a_recorded_reason(world, officer, secretariat):
    world.advance("accepted", officer=officer, secretariat=secretariat)
    with pytest.raises(ConsultationError) as error:
        panel_services.invitations_send(
            actor=secretariat,
            consultation=world.consultation,
            picks=[panel_services.Pick(expert=world.expert, suggested=False)],
        )
    assert _codes(error.value) == "override_reason"
    (invitation,) = panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[
            panel_services.Pick(expert=world.expert, suggested=False, override_reason="Am hiểu N9")
        ],
    )
    assert invitation.override_reason == "Am hiểu N9"
    world.consultation.refresh_from_db()
    assert world.consultation.state == State.PANEL_FORMING


def test_accepting_an_invitation_requires_the_independence_declaration(
    world, officer, secretariat, expert_user, other_expert_user
):
    world.advance("accepted", officer=officer, secretariat=secretariat)
    (invitation,) = panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[panel_services.Pick(expert=world.expert)],
    )
    with pytest.raises(ConsultationError) as error:
        panel_services.invitation_accept(
            actor=expert_user, invitation=invitation, declared=False, statement="x"
        )
    assert _codes(error.value) == "independence"
    with pytest.raises(ConsultationError):
        panel_services.invitation_accept(
            actor=other_expert_user, invitation=invitation, declared=True, statement="Không"
        )
    panel_services.invitation_accept(
        actor=expert_user, invitation=invitation, declared=True, statement="Không"
    )
    invitation.refresh_from_db()
    assert invitation.state == Invitation.Status.ACCEPTED
    assert invitation.independence_statement == "Không"


def test_declining_records_the_reason_and_tells_the_secretariat(
    world, officer, secretariat, expert_user
):
    world.advance("accepted", officer=officer, secretariat=secretariat)
    (invitation,) = panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[panel_services.Pick(expert=world.expert)],
    )
    panel_services.invitation_decline(
        actor=expert_user, invitation=invitation, reason="Bận công tác"
    )
    invitation.refresh_from_db()
    assert (invitation.state, invitation.decline_reason) == ("declined", "Bận công tác")
    assert Notification.objects.filter(recipient=secretariat, kind="invitation_declined").exists()


def test_the_review_needs_a_chair(world, officer, secretariat, expert_user):
    world.advance("accepted", officer=officer, secretariat=secretariat)
    (invitation,) = panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[panel_services.Pick(expert=world.expert)],
    )
    panel_services.invitation_accept(
        actor=expert_user, invitation=invitation, declared=True, statement="Không"
    )
    with pytest.raises(ConsultationError) as error:
        panel_services.consultation_start_review(actor=secretariat, consultation=world.consultation)
    assert _codes(error.value) == "chair"


def test_drafts_autosave_with_optimistic_locking(world, officer, secretariat, expert_user):
    world.advance("in_review", officer=officer, secretariat=secretariat)
    opinion = opinion_services.opinion_start(actor=expert_user, consultation=world.consultation)
    question = world.consultation.questions.first()
    opinion_services.opinion_save_draft(
        actor=expert_user,
        opinion=opinion,
        lock_version=0,
        summary="A",
        answers={question.pk: "Đồng ý"},
    )
    stale_tab = Opinion.objects.get(pk=opinion.pk)
    stale_tab.lock_version = 0
    with pytest.raises(ConsultationError) as error:
        opinion_services.opinion_save_draft(
            actor=expert_user, opinion=stale_tab, lock_version=0, summary="B"
        )
    assert _codes(error.value) == "stale"
    opinion.refresh_from_db()
    assert (opinion.summary, opinion.lock_version) == ("A", 1)
    assert opinion.answers.get().text == "Đồng ý"


def test_a_submitted_opinion_is_locked_and_an_amendment_keeps_the_old_revision(
    world, officer, secretariat, expert_user
):
    world.advance("in_review", officer=officer, secretariat=secretariat)
    opinion = opinion_services.opinion_start(actor=expert_user, consultation=world.consultation)
    with pytest.raises(ConsultationError) as error:
        opinion_services.opinion_submit(actor=expert_user, opinion=opinion, lock_version=0)
    assert _codes(error.value) == "verdict"
    opinion_services.opinion_save_draft(
        actor=expert_user, opinion=opinion, lock_version=0, verdict="agree"
    )
    opinion_services.opinion_submit(actor=expert_user, opinion=opinion, lock_version=1)
    with pytest.raises(ConsultationError) as error:
        opinion_services.opinion_save_draft(
            actor=expert_user, opinion=opinion, lock_version=2, summary="x"
        )
    assert _codes(error.value) == "locked"
    amendment = opinion_services.opinion_amend(actor=expert_user, opinion=opinion)
    opinion_services.opinion_save_draft(
        actor=expert_user, opinion=amendment, lock_version=0, verdict="disagree"
    )
    opinion_services.opinion_submit(actor=expert_user, opinion=amendment, lock_version=1)
    opinion.refresh_from_db()
    amendment.refresh_from_db()
    assert (opinion.verdict, opinion.is_current) == ("agree", False)
    assert (amendment.verdict, amendment.is_current, amendment.revision) == ("disagree", True, 2)


def test_another_expert_cannot_write_in_someones_draft(
    world, officer, secretariat, expert_user, other_expert_user
):
    world.advance("in_review", officer=officer, secretariat=secretariat)
    opinion = opinion_services.opinion_start(actor=expert_user, consultation=world.consultation)
    with pytest.raises(ConsultationError):
        opinion_services.opinion_save_draft(
            actor=other_expert_user, opinion=opinion, lock_version=0, summary="x"
        )


@pytest.mark.parametrize("persona", ["officer", "leadership", "other_expert_user"])
def test_only_the_chair_or_secretariat_may_start_the_synthesis(
    world, officer, secretariat, persona, request
):
    world.advance("in_review", officer=officer, secretariat=secretariat)
    with pytest.raises(ConsultationError):
        synthesis_services.consultation_start_synthesis(
            actor=request.getfixturevalue(persona), consultation=world.consultation
        )


def test_the_secretariat_records_a_paper_opinion_with_its_scanned_letter(
    world, officer, secretariat
):
    from thamvan.core.tests.samples import as_upload, pdf_bytes

    world.advance("in_review", officer=officer, secretariat=secretariat)
    opinion = opinion_services.opinion_record_offline(
        actor=secretariat,
        consultation=world.consultation,
        source="paper",
        verdict="conditions",
        author_name="Sở Xây dựng Hà Nội",
        items=[opinion_services.OfflineItem(content="Bổ sung hạ tầng ngầm.")],
        letter=as_upload(pdf_bytes(), "Công văn.pdf"),
        letter_filename="Công văn.pdf",
    )
    assert opinion.is_submitted and opinion.items.count() == 1
    attachment = opinion.attachments.get()
    assert attachment.is_scanned_letter and len(attachment.sha256) == 64


def test_the_report_cannot_be_issued_without_conclusions(world, officer, secretariat):
    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    with pytest.raises(ConsultationError) as error:
        synthesis_services.consultation_issue_report(
            actor=secretariat, consultation=world.consultation
        )
    assert _codes(error.value) == "conclusions"


def test_issuing_the_report_generates_the_documents(
    world, officer, secretariat, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        world.advance("reported", officer=officer, secretariat=secretariat)
    documents = GeneratedDocument.objects.filter(consultation=world.consultation)
    assert {d.kind for d in documents} == {"report", "response_table", "items"}
    assert all(d.status == "ready" and len(d.sha256) == 64 for d in documents)


def test_the_agency_closes_once_every_item_is_answered(
    world, officer, secretariat, django_capture_on_commit_callbacks
):
    world.advance("reported", officer=officer, secretariat=secretariat)
    item = outcome_services.items_to_answer(world.consultation).get()
    with pytest.raises(ConsultationError) as error:
        outcome_services.response_record(actor=officer, item=item, result="not_accepted")
    assert _codes(error.value) == "explanation"
    with pytest.raises(ConsultationError):
        outcome_services.response_record(actor=secretariat, item=item, result="accepted")
    with pytest.raises(ConsultationError) as error:
        outcome_services.consultation_close(actor=officer, consultation=world.consultation)
    assert _codes(error.value) == "unanswered"
    outcome_services.response_record(
        actor=officer, item=item, result="partly_accepted", explanation="Bổ sung một phần."
    )
    # The last answer no longer closes the round: it stays open to edits until confirmed.
    assert Consultation.objects.get(pk=world.consultation.pk).state == State.RESPONDING
    with pytest.raises(ConsultationError):
        outcome_services.consultation_close(actor=secretariat, consultation=world.consultation)
    with django_capture_on_commit_callbacks(execute=True):
        outcome_services.consultation_close(actor=officer, consultation=world.consultation)
    consultation = Consultation.objects.get(pk=world.consultation.pk)
    assert consultation.state == State.CLOSED
    assert (
        GeneratedDocument.objects.filter(consultation=consultation, kind="response_table").count()
        == 2
    )
    assert [t.to_state for t in consultation.transitions.exclude(to_state="")][-2:] == [
        "responding",
        "closed",
    ]


def test_leadership_changes_nothing(world, officer, secretariat, leadership):
    world.advance("reported", officer=officer, secretariat=secretariat)
    item = outcome_services.items_to_answer(world.consultation).get()
    with pytest.raises(ConsultationError):
        outcome_services.response_record(actor=leadership, item=item, result="accepted")


def test_working_days_skip_weekends_and_the_lunar_new_year():
    # After Friday 13/02/2026 come the weekend and Tết (16–20/02): next is Monday 23/02.
    assert add_days(date(2026, 2, 13), 1, "working") == date(2026, 2, 23)
    assert add_days(date(2026, 3, 6), 1, "working") == date(2026, 3, 9)
    assert add_days(date(2026, 3, 6), 15, "calendar") == date(2026, 3, 21)


def test_reminders_go_3_and_1_days_before_the_deadline_once(
    world, officer, secretariat, expert_user
):
    world.advance("in_review", officer=officer, secretariat=secretariat)
    deadline = world.consultation.deadline
    from datetime import timedelta

    assert outcome_services.deadlines_check(deadline - timedelta(days=3)) >= 1
    assert outcome_services.deadlines_check(deadline - timedelta(days=3)) == 0
    assert Notification.objects.filter(recipient=expert_user, kind="reminder").count() == 1
    outcome_services.deadlines_check(deadline + timedelta(days=1))
    world.consultation.refresh_from_db()
    assert world.consultation.overdue


def test_notifications_are_emailed(world, officer, secretariat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_services.consultation_send(actor=officer, consultation=world.consultation)
    assert any(secretariat.email in m.to for m in mail.outbox)


def test_the_periodic_task_expires_overdue_invitations(world, officer, secretariat):
    from datetime import timedelta

    from django.utils import timezone

    from thamvan.consultations.tasks import check_deadlines

    world.advance("accepted", officer=officer, secretariat=secretariat)
    (invitation,) = panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[panel_services.Pick(expert=world.expert)],
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        respond_by=timezone.localdate() - timedelta(days=1)
    )
    check_deadlines.call()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.Status.EXPIRED


@pytest.mark.parametrize("persona", ["officer", "expert_user", "leadership"])
def test_only_the_secretariat_forms_the_panel_and_starts_the_review(
    world, officer, secretariat, expert_user, persona, request
):
    world.advance("accepted", officer=officer, secretariat=secretariat)
    actor = request.getfixturevalue(persona)
    with pytest.raises(ConsultationError):
        panel_services.invitations_send(
            actor=actor,
            consultation=world.consultation,
            picks=[panel_services.Pick(expert=world.expert)],
        )
    (invitation,) = panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[panel_services.Pick(expert=world.expert)],
    )
    panel_services.invitation_accept(
        actor=expert_user, invitation=invitation, declared=True, statement="Không"
    )
    with pytest.raises(ConsultationError):
        panel_services.panel_set_chair(
            actor=actor, consultation=world.consultation, invitation=invitation
        )
    panel_services.panel_set_chair(
        actor=secretariat, consultation=world.consultation, invitation=invitation
    )
    with pytest.raises(ConsultationError):
        panel_services.consultation_start_review(actor=actor, consultation=world.consultation)
    assert world.consultation.state == State.PANEL_FORMING


@pytest.mark.parametrize("persona", ["officer", "expert_user", "leadership"])
def test_only_the_secretariat_issues_the_report(world, officer, secretariat, persona, request):
    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    synthesis_services.synthesis_save(
        actor=secretariat,
        consultation=world.consultation,
        lock_version=0,
        introduction="",
        conclusions="Kết luận",
        recommendations="",
    )
    with pytest.raises(ConsultationError):
        synthesis_services.consultation_issue_report(
            actor=request.getfixturevalue(persona), consultation=world.consultation
        )


def test_a_report_cannot_be_issued_before_the_synthesis(world, officer, secretariat):
    world.advance("in_review", officer=officer, secretariat=secretariat)
    with pytest.raises(ConsultationError) as error:
        synthesis_services.consultation_issue_report(
            actor=secretariat, consultation=world.consultation
        )
    assert _codes(error.value) == "state"


def test_responses_are_refused_before_the_report(world, officer, secretariat, expert_user):
    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    item = outcome_services.items_to_answer(world.consultation).get()
    with pytest.raises(ConsultationError) as error:
        outcome_services.response_record(actor=officer, item=item, result="accepted")
    assert _codes(error.value) == "state"
