"""Request pages through HTTP: list, create, detail with timeline, lifecycle actions, access."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from thamvan.consultations.lifecycle import NO_CHAIR
from thamvan.consultations.models import Consultation, State
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.tests.factories import ConsultationFactory
from thamvan.dossiers.models import Confidentiality
from thamvan.dossiers.tests.factories import DossierFactory, DossierVersionFactory
from thamvan.experts.tests.factories import specialty

pytestmark = pytest.mark.django_db


def _detail(consultation: Consultation) -> str:
    return reverse("consultations:detail", args=[consultation.pk])


def _do(consultation: Consultation, action: str) -> str:
    return reverse("consultations:transition", args=[consultation.pk, action])


def test_the_officer_drafts_a_request_on_a_dossier_version(as_user, officer, orgs):
    dossier = DossierFactory.create(lead_agency=orgs.department)
    version = DossierVersionFactory.create(dossier=dossier)
    url = reverse("consultations:create", args=[dossier.pk])
    assert as_user(officer).get(url).status_code == 200
    response = as_user(officer).post(
        url,
        {
            "title": "Xin ý kiến đồ án N9",
            "version": version.pk,
            "association": orgs.association.pk,
            "required_specialties": [specialty("giao-thong").pk],
            "panel_size": 3,
            "max_per_organization": 2,
            "needs_senior": "on",
            "blind_review": "on",
            "questions_text": "Cơ cấu sử dụng đất?\n\nTổ chức giao thông?",
        },
    )
    consultation = Consultation.objects.get()
    assert response.status_code == 302 and response.url == _detail(consultation)
    assert consultation.state == State.DRAFT
    assert [q.text for q in consultation.questions.all()] == [
        "Cơ cấu sử dụng đất?",
        "Tổ chức giao thông?",
    ]


def test_a_request_without_questions_keeps_what_was_typed(as_user, officer, orgs):
    dossier = DossierFactory.create(lead_agency=orgs.department)
    version = DossierVersionFactory.create(dossier=dossier)
    response = as_user(officer).post(
        reverse("consultations:create", args=[dossier.pk]),
        {
            "title": "Tiêu đề giữ nguyên",
            "version": version.pk,
            "association": orgs.association.pk,
            "panel_size": 3,
            "questions_text": "  ",
        },
    )
    assert response.status_code == 200
    assert "Tiêu đề giữ nguyên" in response.content.decode()
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("persona", ["other_officer", "secretariat", "expert_user", "leadership"])
def test_others_may_not_open_the_create_form(as_user, orgs, persona, request):
    dossier = DossierFactory.create(
        lead_agency=orgs.department, confidentiality=Confidentiality.PUBLIC
    )
    response = as_user(request.getfixturevalue(persona)).get(
        reverse("consultations:create", args=[dossier.pk])
    )
    assert response.status_code == 403


def test_the_detail_shows_the_timeline(as_user, world, officer, secretariat):
    world.advance("accepted", officer=officer, secretariat=secretariat)
    body = as_user(officer).get(_detail(world.consultation)).content.decode()
    assert 'class="timeline"' in body
    assert body.count("<li>") >= 3


def test_a_draft_is_hidden_from_the_secretariat_until_sent(as_user, world, officer, secretariat):
    assert as_user(secretariat).get(_detail(world.consultation)).status_code == 404
    assert as_user(officer).post(_do(world.consultation, "send")).status_code == 302
    assert as_user(secretariat).get(_detail(world.consultation)).status_code == 200


@pytest.mark.parametrize("persona", ["other_officer", "expert_user", "outsider"])
def test_other_organisations_and_non_panel_experts_get_404(
    as_user, world, officer, secretariat, persona, request
):
    world.advance("sent", officer=officer, secretariat=secretariat)
    user = request.getfixturevalue(persona)
    assert as_user(user).get(_detail(world.consultation)).status_code == 404
    assert as_user(user).post(_do(world.consultation, "accept")).status_code == 404


def test_the_secretariat_accepts_and_returns_through_the_page(as_user, world, officer, secretariat):
    world.advance("sent", officer=officer, secretariat=secretariat)
    client = as_user(secretariat)
    assert client.post(_do(world.consultation, "return"), {"reason": ""}).status_code == 302
    world.consultation.refresh_from_db()
    assert world.consultation.state == State.SENT
    client.post(_do(world.consultation, "accept"))
    world.consultation.refresh_from_db()
    assert world.consultation.state == State.ACCEPTED


def test_the_officer_may_not_accept_their_own_request(as_user, world, officer, secretariat):
    world.advance("sent", officer=officer, secretariat=secretariat)
    assert as_user(officer).post(_do(world.consultation, "accept")).status_code == 403


def test_leadership_reads_but_cannot_change(as_user, world, officer, secretariat, leadership):
    world.advance("sent", officer=officer, secretariat=secretariat)
    client = as_user(leadership)
    assert client.get(_detail(world.consultation)).status_code == 200
    assert client.post(_do(world.consultation, "accept")).status_code == 403
    assert client.post(_do(world.consultation, "withdraw"), {"reason": "x"}).status_code == 403
    world.consultation.refresh_from_db()
    assert world.consultation.state == State.SENT


def test_withdrawal_is_recorded_with_its_reason(as_user, world, officer, secretariat):
    world.advance("sent", officer=officer, secretariat=secretariat)
    as_user(officer).post(_do(world.consultation, "withdraw"), {"reason": "Điều chỉnh hồ sơ"})
    world.consultation.refresh_from_db()
    assert world.consultation.state == State.WITHDRAWN
    body = as_user(officer).get(_detail(world.consultation)).content.decode()
    assert "Điều chỉnh hồ sơ" in body


def test_an_unknown_action_is_404(as_user, world, officer):
    assert as_user(officer).post(_do(world.consultation, "explode")).status_code == 404


def test_sending_opens_a_restricted_dossier_to_the_secretariat(
    as_user, world, officer, secretariat
):
    dossier = world.consultation.dossier
    dossier.confidentiality = Confidentiality.RESTRICTED
    dossier.save(update_fields=["confidentiality"])
    from thamvan.consultations.access import dossier_access_q
    from thamvan.dossiers.models import Dossier

    assert not Dossier.objects.filter(dossier_access_q(secretariat), pk=dossier.pk).exists()
    world.advance("sent", officer=officer, secretariat=secretariat)
    assert Dossier.objects.filter(dossier_access_q(secretariat), pk=dossier.pk).exists()


def test_the_list_filters_by_state_with_a_bounded_number_of_queries(
    as_user, officer, orgs, django_assert_max_num_queries
):
    dossier = DossierFactory.create(lead_agency=orgs.department)
    for _ in range(3):
        ConsultationFactory.create(dossier=dossier, association=orgs.association)
    client = as_user(officer)
    client.get(reverse("consultations:list"))
    with django_assert_max_num_queries(12) as first:
        assert client.get(reverse("consultations:list")).status_code == 200
    for _ in range(30):
        ConsultationFactory.create(dossier=dossier, association=orgs.association)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("consultations:list"))
    assert response.content.decode().count("consultation-state-draft") == 25
    filtered = client.get(reverse("consultations:list"), {"state": "sent"}, HTTP_HX_REQUEST="true")
    assert "Không có đợt xin ý kiến nào phù hợp" in filtered.content.decode()


def test_the_list_shows_an_expert_only_their_panels(
    as_user, world, officer, secretariat, expert_user
):
    other = ConsultationFactory.create(association=world.consultation.association)
    world.advance("panel_forming", officer=officer, secretariat=secretariat)
    body = as_user(expert_user).get(reverse("consultations:list")).content.decode()
    assert world.consultation.title in body
    assert other.title not in body


def _panel_without_chair(world, officer, secretariat):
    """A panel forming with one accepted member and no chair yet."""
    world.advance("accepted", officer=officer, secretariat=secretariat)
    [invitation] = panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[panel_services.Pick(expert=world.expert)],
    )
    user, _expert = world.members[0]
    panel_services.invitation_accept(
        actor=user, invitation=invitation, declared=True, statement="Không có."
    )
    return invitation


def test_start_review_is_shown_disabled_with_its_reason_until_a_chair_is_designated(
    as_user, api_client, world, officer, secretariat
):
    invitation = _panel_without_chair(world, officer, secretariat)
    response = as_user(secretariat).get(_detail(world.consultation))
    body = response.content.decode()
    with translation.override(response.headers["Content-Language"]):
        message = escape(str(NO_CHAIR))
    assert re.search(r'<button type="button"[^>]*data-action="start_review"[^>]*disabled', body)
    assert message in body
    api = api_client(secretariat).get(f"/api/v1/consultations/{world.consultation.pk}")
    assert "start_review" not in api.json()["actions"]

    panel_services.panel_set_chair(
        actor=secretariat, consultation=world.consultation, invitation=invitation
    )
    body = as_user(secretariat).get(_detail(world.consultation)).content.decode()
    assert re.search(r'<button type="submit"[^>]*data-action="start_review"', body)
    assert message not in body
    api = api_client(secretariat).get(f"/api/v1/consultations/{world.consultation.pk}")
    assert "start_review" in api.json()["actions"]


def test_the_agency_sees_no_start_review_at_all(as_user, world, officer, secretariat):
    _panel_without_chair(world, officer, secretariat)
    body = as_user(officer).get(_detail(world.consultation)).content.decode()
    assert 'data-action="start_review"' not in body
    assert 'data-action="withdraw"' not in body  # behind the reason form
    assert 'value="withdraw"' in body
