"""Two people editing the same request or answer: the second save is refused, not lost."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.urls import reverse
from django.utils.html import escape

from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation, Response
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services import requests as request_services
from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.consultations.services._common import INVITATION_CLOSED
from thamvan.core.locking import CONFLICT_MESSAGE, EditConflict

pytestmark = pytest.mark.django_db


def _form_data(response: Any, **changes: Any) -> dict[str, Any]:
    """What the browser posts back from the page's form, with the user's changes."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value in (True, "True", "on"):
                data[name] = "on"
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        else:
            data[name] = "" if value is None else value
    data.update(changes)
    return data


# --- The consultation request and its questions ---------------------------------------


def test_the_second_of_two_request_edits_gets_a_conflict_and_keeps_its_input(
    world: Any, officer: Any, admin_user: Any, as_user: Any
) -> None:
    url = reverse("consultations:edit", args=[world.consultation.pk])
    first, second = as_user(officer), as_user(officer)
    first_form, second_form = first.get(url), second.get(url)
    assert first_form.status_code == second_form.status_code == 200

    saved = first.post(url, _form_data(first_form, letter_number="123/QHKT-P2"))
    assert saved.status_code == 302

    clash = second.post(url, _form_data(second_form, note="Đề nghị trả lời trước 30/6."))
    assert clash.status_code == 200
    assert clash.context["form"].non_field_errors() == [str(CONFLICT_MESSAGE)]
    assert "Đề nghị trả lời trước 30/6." in clash.content.decode()
    consultation = Consultation.objects.get(pk=world.consultation.pk)
    assert consultation.letter_number == "123/QHKT-P2"
    assert consultation.note == ""
    assert consultation.lock_version == 1

    retry = second.post(url, _form_data(clash))
    assert retry.status_code == 302
    consultation.refresh_from_db()
    assert consultation.note == "Đề nghị trả lời trước 30/6."
    assert consultation.lock_version == 2


def test_a_question_edited_meanwhile_is_not_overwritten(
    world: Any, officer: Any, as_user: Any
) -> None:
    url = reverse("consultations:edit", args=[world.consultation.pk])
    first, second = as_user(officer), as_user(officer)
    first_form, second_form = first.get(url), second.get(url)
    first.post(url, _form_data(first_form, questions_text="Ý kiến về chỉ tiêu mật độ xây dựng?"))

    typed = "Ý kiến về hạ tầng kỹ thuật?\nÝ kiến về cây xanh?"
    clash = second.post(url, _form_data(second_form, questions_text=typed))
    assert clash.status_code == 200
    assert clash.context["form"].non_field_errors() == [str(CONFLICT_MESSAGE)]
    assert "Ý kiến về cây xanh?" in clash.content.decode()
    assert [q.text for q in world.consultation.questions.all()] == [
        "Ý kiến về chỉ tiêu mật độ xây dựng?"
    ]


def test_a_request_form_without_its_version_is_refused(
    world: Any, officer: Any, as_user: Any
) -> None:
    url = reverse("consultations:edit", args=[world.consultation.pk])
    client = as_user(officer)
    data = _form_data(client.get(url), title="Tiêu đề mới")
    del data["lock_version"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert Consultation.objects.get(pk=world.consultation.pk).title != "Tiêu đề mới"


@pytest.mark.parametrize("persona", ["other_officer", "secretariat", "outsider"])
def test_others_cannot_open_the_request_form(
    world: Any, persona: str, request: pytest.FixtureRequest, as_user: Any
) -> None:
    url = reverse("consultations:edit", args=[world.consultation.pk])
    assert as_user(request.getfixturevalue(persona)).get(url).status_code in (403, 404)


def test_the_update_service_refuses_a_stale_version(world: Any, officer: Any) -> None:
    consultation = world.consultation
    request_services.consultation_update(
        actor=officer, consultation=consultation, lock_version=0, note="Lần 1"
    )
    stale = Consultation.objects.get(pk=consultation.pk)
    with pytest.raises(EditConflict):
        request_services.consultation_update(
            actor=officer, consultation=stale, lock_version=0, questions=["Câu hỏi khác?"]
        )
    assert [q.text for q in consultation.questions.all()] != ["Câu hỏi khác?"]


# --- The agency's answers ---------------------------------------------------------------


def _answer_data(page: Any, item: Any, **changes: Any) -> dict[str, Any]:
    [form] = [f for i, _r, f in page.context["rows"] if i.pk == item.pk]
    prefix = f"item{item.pk}"
    data = {
        "item": item.pk,
        f"{prefix}-lock_version": form["lock_version"].value(),
        f"{prefix}-result": form["result"].value() or "",
        f"{prefix}-explanation": form["explanation"].value() or "",
    }
    data.update({f"{prefix}-{name}": value for name, value in changes.items()})
    return data


@pytest.fixture
def reported(world: Any, officer: Any, secretariat: Any) -> Any:
    """Reported with two remarks, so answering one leaves the round open."""
    consultation = world.advance("synthesizing", officer=officer, secretariat=secretariat)
    opinion_services.opinion_record_offline(
        actor=secretariat,
        consultation=consultation,
        source="paper",
        verdict="conditions",
        author_name="Sở Giao thông vận tải",
        items=[opinion_services.OfflineItem(content="Bổ sung điểm dừng xe buýt.")],
    )
    synthesis_services.synthesis_save(
        actor=secretariat,
        consultation=consultation,
        lock_version=consultation.synthesis_lock_version,
        introduction="",
        conclusions="Cơ bản đạt yêu cầu.",
        recommendations="",
    )
    return synthesis_services.consultation_issue_report(
        actor=secretariat, consultation=consultation
    )


def test_the_second_of_two_answers_gets_a_conflict_and_keeps_its_input(
    reported: Any, officer: Any, as_user: Any
) -> None:
    url = reverse("consultations:responses", args=[reported.pk])
    item = outcome_services.items_to_answer(reported).order_by("pk")[0]
    first, second = as_user(officer), as_user(officer)
    first_page, second_page = first.get(url), second.get(url)

    saved = first.post(url, _answer_data(first_page, item, result="accepted"))
    assert saved.status_code == 302

    typed = "Giải trình: quỹ đất không cho phép bố trí thêm."
    clash = second.post(
        url, _answer_data(second_page, item, result="not_accepted", explanation=typed)
    )
    assert clash.status_code == 200
    [form] = [f for i, _r, f in clash.context["rows"] if i.pk == item.pk]
    assert form.non_field_errors() == [str(CONFLICT_MESSAGE)]
    assert typed in clash.content.decode()
    response = Response.objects.get(item=item)
    assert response.result == "accepted"
    assert response.lock_version == 1

    retry = second.post(url, _answer_data(clash, item))
    assert retry.status_code == 302
    response.refresh_from_db()
    assert response.result == "not_accepted"
    assert response.explanation == typed
    assert response.lock_version == 2


def test_the_response_service_refuses_a_stale_version(reported: Any, officer: Any) -> None:
    item = outcome_services.items_to_answer(reported).order_by("pk")[0]
    outcome_services.response_record(actor=officer, item=item, result="accepted", lock_version=0)
    with pytest.raises(EditConflict):
        outcome_services.response_record(
            actor=officer, item=item, result="not_accepted", explanation="Không.", lock_version=0
        )
    assert Response.objects.get(item=item).result == "accepted"


# --- Invitations: answered once, from whichever tab is first ---------------------------


def test_an_invitation_answered_in_another_tab_is_not_answered_again(
    world: Any, officer: Any, secretariat: Any, other_expert_user: Any, as_user: Any
) -> None:
    consultation = world.advance("accepted", officer=officer, secretariat=secretariat)
    [invitation] = panel_services.invitations_send(
        actor=secretariat,
        consultation=consultation,
        picks=[panel_services.Pick(world.other_expert)],
    )
    url = reverse("consultations:invitation", args=[consultation.pk, invitation.pk])
    first, second = as_user(other_expert_user), as_user(other_expert_user)
    assert first.get(url).status_code == second.get(url).status_code == 200

    statement = "Tôi không có quan hệ với chủ đầu tư."
    accepted = first.post(url, {"answer": "accept", "declared": "on", "statement": statement})
    assert accepted.status_code == 302
    reason = "Bận công tác đến hết tháng."
    clash = second.post(url, {"answer": "decline", "reason": reason})
    assert clash.status_code == 200
    assert clash.context["decline"].non_field_errors() == [str(INVITATION_CLOSED)]
    assert escape(str(INVITATION_CLOSED)) in clash.content.decode()
    invitation.refresh_from_db()
    assert invitation.state == "accepted"
    assert invitation.independence_statement == statement
    assert invitation.decline_reason == ""


def test_a_stale_invitation_object_is_reread_under_the_lock(
    world: Any, officer: Any, secretariat: Any, other_expert_user: Any
) -> None:
    consultation = world.advance("accepted", officer=officer, secretariat=secretariat)
    [invitation] = panel_services.invitations_send(
        actor=secretariat,
        consultation=consultation,
        picks=[panel_services.Pick(world.other_expert)],
    )
    stale = type(invitation).objects.select_related("consultation", "expert").get(pk=invitation.pk)
    panel_services.invitation_decline(actor=other_expert_user, invitation=invitation, reason="Bận.")
    with pytest.raises(ConsultationError):
        panel_services.invitation_accept(
            actor=other_expert_user, invitation=stale, declared=True, statement="Không có."
        )
    invitation.refresh_from_db()
    assert invitation.state == "declined"
