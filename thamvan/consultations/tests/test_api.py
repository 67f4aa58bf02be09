"""The consultation API: every endpoint with the allowed and forbidden personas side by side."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from thamvan.accounts.tokens import api_token_create
from thamvan.audit.models import AuditEntry
from thamvan.audit.services import Action
from thamvan.consultations.models import Consultation, Invitation, Opinion, Transition
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services import requests as request_services
from thamvan.consultations.tests.conftest import World
from thamvan.consultations.tests.factories import ConsultationFactory
from thamvan.dossiers.models import Confidentiality
from thamvan.dossiers.tests.factories import DossierFactory, DossierVersionFactory
from thamvan.organizations.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/consultations"


def _url(consultation: Consultation, suffix: str = "") -> str:
    return f"{BASE}/{consultation.pk}{suffix}"


def _create_payload(world: World, orgs: Any, **overrides: Any) -> dict[str, Any]:
    payload = {
        "dossier_id": world.consultation.dossier_id,
        "version_number": world.consultation.version.number,
        "association_id": orgs.association.pk,
        "title": "Xin ý kiến về đồ án điều chỉnh quy hoạch phân khu N9",
        "questions": ["Ý kiến về chỉ tiêu dân số?", "  ", "Ý kiến về hạ tầng kỹ thuật?"],
        "required_specialties": ["giao-thong"],
        "panel_size": 3,
        "deadline_days": 20,
        "day_kind": "working",
    }
    return payload | overrides


# --- List and detail -------------------------------------------------------------------


def test_a_draft_is_read_by_its_agency_and_hidden_from_everyone_else(
    world: World,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    expert_user: Any,
    outsider: Any,
    api_client: Any,
    client: Client,
) -> None:
    consultation = world.consultation
    body = api_client(officer).get(_url(consultation)).json()
    assert body["state"] == "draft"
    assert [q["text"] for q in body["questions"]] == [
        "Ý kiến về cơ cấu sử dụng đất?",
        "Ý kiến về tổ chức giao thông?",
    ]
    assert body["actions"] == ["send", "withdraw"]
    assert api_client(officer).get(BASE).json()["count"] == 1
    for user in (other_officer, secretariat, expert_user, outsider):
        response = api_client(user).get(_url(consultation))
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "not_found"}
        assert api_client(user).get(BASE).json()["count"] == 0
    assert client.get(BASE).json()["code"] == "unauthenticated"


def test_the_secretariat_reads_a_consultation_once_it_is_sent(
    world: World, officer: Any, secretariat: Any, api_client: Any
) -> None:
    request_services.consultation_send(actor=officer, consultation=world.consultation)
    body = api_client(secretariat).get(_url(world.consultation)).json()
    assert body["state"] == "sent"
    assert body["actions"] == ["accept", "return"]


def test_the_list_filters_by_text_state_organisation_and_sent_day(
    world: World, orgs: Any, officer: Any, api_client: Any
) -> None:
    sent = ConsultationFactory.create(
        dossier=world.consultation.dossier,
        association=orgs.association,
        title="Xin ý kiến về nút giao Ngã Tư Sở",
    )
    request_services.consultation_send(actor=officer, consultation=sent)
    api = api_client(officer)

    def ids(**params: Any) -> set[int]:
        response = api.get(BASE, params)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    everything = {world.consultation.pk, sent.pk}
    assert ids() == everything
    assert ids(q="nga tu so") == {sent.pk}
    assert ids(state="draft") == {world.consultation.pk}
    assert ids(organization_id=orgs.city.pk) == everything
    assert ids(organization_id=orgs.ward.pk) == set()
    today = timezone.localdate()
    assert ids(sent_from=today.isoformat(), sent_until=today.isoformat()) == {sent.pk}
    assert ids(sent_until=(today - timedelta(days=1)).isoformat()) == set()
    bad = api.get(BASE, {"state": "nonsense", "sent_from": "0001-01-01"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_request"


def test_the_list_is_paginated(world: World, orgs: Any, officer: Any, api_client: Any) -> None:
    for _ in range(4):
        ConsultationFactory.create(dossier=world.consultation.dossier, association=orgs.association)
    first = api_client(officer).get(BASE, {"limit": 2}).json()
    second = api_client(officer).get(BASE, {"limit": 2, "offset": 2}).json()
    assert first["count"] == second["count"] == 5
    assert len(first["items"]) == len(second["items"]) == 2
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert api_client(officer).get(BASE, {"limit": 101}).status_code == 422


def test_the_list_takes_the_same_number_of_queries_for_many_rows(
    world: World,
    orgs: Any,
    officer: Any,
    api_client: Any,
    django_assert_max_num_queries: Any,
) -> None:
    api = api_client(officer)
    with django_assert_max_num_queries(12):
        assert api.get(BASE).json()["count"] == 1
    for _ in range(30):
        ConsultationFactory.create(dossier=world.consultation.dossier, association=orgs.association)
    with django_assert_max_num_queries(12):
        assert len(api.get(BASE, {"limit": 100}).json()["items"]) == 31


# --- Create ----------------------------------------------------------------------------


def test_an_officer_drafts_a_consultation_through_the_service(
    world: World, orgs: Any, officer: Any, api_client: Any
) -> None:
    response = api_client(officer).post(
        BASE, _create_payload(world, orgs), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    created = Consultation.objects.get(pk=body["id"])
    assert body["state"] == "draft"
    assert [q["text"] for q in body["questions"]] == [
        "Ý kiến về chỉ tiêu dân số?",
        "Ý kiến về hạ tầng kỹ thuật?",
    ]
    assert body["required_specialties"] == ["giao-thong"]
    assert created.created_by == officer
    assert Transition.objects.filter(consultation=created, action="created").exists()


def test_who_may_not_draft_a_consultation_is_refused(
    world: World,
    orgs: Any,
    other_officer: Any,
    leadership: Any,
    expert_user: Any,
    secretariat: Any,
    api_client: Any,
) -> None:
    payload = _create_payload(world, orgs)
    before = Consultation.objects.count()
    # They read the (internal) dossier but do not act for its lead agency.
    for user in (other_officer, leadership, secretariat):
        response = api_client(user).post(BASE, payload, content_type="application/json")
        assert response.status_code == 403, user
        assert response.json()["code"] == "forbidden"
    # Experts do not read internal dossiers at all.
    response = api_client(expert_user).post(BASE, payload, content_type="application/json")
    assert response.status_code == 404
    dossier = world.consultation.dossier
    dossier.confidentiality = Confidentiality.RESTRICTED
    dossier.save(update_fields=["confidentiality"])
    response = api_client(other_officer).post(BASE, payload, content_type="application/json")
    assert response.status_code == 404
    assert Consultation.objects.count() == before


def test_bad_input_to_create_answers_422_with_a_code(
    world: World, orgs: Any, officer: Any, api_client: Any
) -> None:
    api = api_client(officer)

    def post(**overrides: Any) -> Any:
        payload = _create_payload(world, orgs, **overrides)
        return api.post(BASE, payload, content_type="application/json")

    other_version = DossierVersionFactory.create(dossier=DossierFactory.create())
    assert post(association_id=orgs.department.pk).json()["code"] == "association"
    assert post(questions=["   "]).json()["code"] == "questions"
    missing_version = post(version_number=other_version.number + 50).json()
    assert (missing_version["code"], missing_version["detail"].keys()) == (
        "invalid",
        {"version_number"},
    )
    assert post(association_id=999_999).json()["detail"].keys() == {"association_id"}
    assert post(required_specialties=["khong-co"]).json()["code"] == "invalid"
    nul = post(title="Xin\x00 ý kiến")
    assert nul.status_code == 422
    assert nul.json()["code"] == "invalid_request"
    assert post(panel_size=0).status_code == 422
    assert post(title="   ").json()["detail"].keys() == {"title"}
    assert api.post(BASE, "{", content_type="application/json").status_code in (400, 422)
    assert Consultation.objects.count() == 1


# --- Transitions -----------------------------------------------------------------------


def _transition(api: Client, consultation: Consultation, action: str, reason: str = "") -> Any:
    return api.post(
        _url(consultation, "/transitions"),
        {"action": action, "reason": reason},
        content_type="application/json",
    )


def test_the_lifecycle_moves_through_the_services_for_the_right_roles(
    world: World,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    api_client: Any,
) -> None:
    consultation = world.consultation
    assert _transition(api_client(other_officer), consultation, "send").status_code == 404
    response = _transition(api_client(officer), consultation, "send")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "sent"
    # The agency reads the sent request but only the association accepts it.
    refused = _transition(api_client(officer), consultation, "accept")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert _transition(api_client(secretariat), consultation, "accept").json()["state"] == (
        "accepted"
    )
    again = _transition(api_client(secretariat), consultation, "accept")
    assert again.status_code == 422
    assert again.json()["code"] == "state"
    consultation.refresh_from_db()
    assert consultation.state == "accepted"


def test_the_review_and_synthesis_start_for_the_secretariat_and_the_chair(
    world: World,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
    api_client: Any,
) -> None:
    consultation = world.advance("panel_forming", officer=officer, secretariat=secretariat)
    assert _transition(api_client(officer), consultation, "start_review").status_code == 403
    started = _transition(api_client(secretariat), consultation, "start_review")
    assert started.json()["state"] == "in_review"
    # The second expert is a member, not the chair.
    assert (
        _transition(api_client(other_expert_user), consultation, "start_synthesis").json()["code"]
        == "forbidden"
    )
    early = _transition(api_client(expert_user), consultation, "start_synthesis")
    assert early.status_code == 422
    assert early.json()["code"] == "opinions"
    assert Transition.objects.filter(consultation=consultation, action="review_started").exists()


def test_the_agency_withdraws_with_a_reason_and_the_association_may_not(
    world: World, officer: Any, secretariat: Any, api_client: Any
) -> None:
    request_services.consultation_send(actor=officer, consultation=world.consultation)
    refused = _transition(api_client(secretariat), world.consultation, "withdraw", "Không cần.")
    assert refused.status_code == 403
    withdrawn = _transition(api_client(officer), world.consultation, "withdraw", "Đổi phương án.")
    assert withdrawn.json()["state"] == "withdrawn"
    assert withdrawn.json()["actions"] == []


def test_a_reason_is_needed_to_return_or_withdraw(
    world: World, officer: Any, secretariat: Any, api_client: Any
) -> None:
    request_services.consultation_send(actor=officer, consultation=world.consultation)
    missing = _transition(api_client(secretariat), world.consultation, "return", "  ")
    assert missing.status_code == 422
    assert missing.json()["code"] == "reason"
    returned = _transition(api_client(secretariat), world.consultation, "return", "Thiếu bản vẽ.")
    assert returned.json()["state"] == "returned"
    assert _transition(api_client(officer), world.consultation, "launch").status_code == 422


def test_the_timeline_is_read_by_whoever_reads_the_consultation(
    world: World,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    api_client: Any,
    django_assert_max_num_queries: Any,
) -> None:
    request_services.consultation_send(actor=officer, consultation=world.consultation)
    request_services.consultation_return(
        actor=secretariat, consultation=world.consultation, reason="Thiếu bản vẽ."
    )
    api = api_client(secretariat)
    with django_assert_max_num_queries(12):
        timeline = api.get(_url(world.consultation, "/transitions")).json()
    assert [t["action"] for t in timeline] == ["sent", "returned"]
    assert timeline[-1]["reason"] == "Thiếu bản vẽ."
    assert timeline[-1]["actor_name"] == "Phạm Thu Trang"
    assert timeline[-1]["to_state"] == "returned"
    assert api_client(other_officer).get(_url(world.consultation, "/transitions")).status_code == (
        404
    )


# --- Invitations -----------------------------------------------------------------------


@pytest.fixture
def invited(world: World, officer: Any, secretariat: Any) -> list[Invitation]:
    """The consultation accepted, both persona experts invited, neither answered yet."""
    world.advance("accepted", officer=officer, secretariat=secretariat)
    return panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[
            panel_services.Pick(expert=world.expert),
            panel_services.Pick(expert=world.other_expert),
        ],
    )


def test_the_secretariat_sees_the_panel_and_an_expert_only_their_invitation(
    world: World,
    invited: list[Invitation],
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_officer: Any,
    api_client: Any,
) -> None:
    url = _url(world.consultation, "/invitations")
    assert len(api_client(secretariat).get(url).json()) == 2
    own = api_client(expert_user).get(url).json()
    assert [i["id"] for i in own] == [invited[0].pk]
    assert own[0]["state"] == "invited"
    assert api_client(officer).get(url).json() == []
    assert api_client(other_officer).get(url).status_code == 404
    other = f"{url}/{invited[1].pk}"
    assert api_client(secretariat).get(other).json()["expert_id"] == world.other_expert.pk
    assert api_client(expert_user).get(other).status_code == 404
    assert api_client(officer).get(other).status_code == 404


def test_the_invited_expert_accepts_with_a_declaration_and_no_one_else_may(
    world: World,
    invited: list[Invitation],
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
    api_client: Any,
) -> None:
    url = _url(world.consultation, f"/invitations/{invited[0].pk}/accept")
    declaration = {"declared": True, "statement": "Không có quan hệ với các bên."}
    assert (
        api_client(other_expert_user).post(url, declaration, content_type="application/json")
    ).status_code == 404
    refused = api_client(secretariat).post(url, declaration, content_type="application/json")
    assert refused.status_code == 403
    undeclared = api_client(expert_user).post(
        url, {"declared": False, "statement": ""}, content_type="application/json"
    )
    assert undeclared.status_code == 422
    assert undeclared.json()["code"] == "independence"
    accepted = api_client(expert_user).post(url, declaration, content_type="application/json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted"
    assert accepted.json()["independence_statement"] == "Không có quan hệ với các bên."
    again = api_client(expert_user).post(url, declaration, content_type="application/json")
    assert again.json()["code"] == "answered"


def test_the_invited_expert_declines_with_a_reason(
    world: World, invited: list[Invitation], other_expert_user: Any, api_client: Any
) -> None:
    url = _url(world.consultation, f"/invitations/{invited[1].pk}/decline")
    api = api_client(other_expert_user)
    assert api.post(url, {"reason": " "}, content_type="application/json").json()["code"] == (
        "reason"
    )
    declined = api.post(url, {"reason": "Bận công tác."}, content_type="application/json")
    assert declined.json()["state"] == "declined"
    invited[1].refresh_from_db()
    assert invited[1].decline_reason == "Bận công tác."
    # Having declined, the expert no longer reads the consultation.
    assert api.get(_url(world.consultation)).status_code == 404


# --- Opinions --------------------------------------------------------------------------


@pytest.fixture
def in_review(world: World, officer: Any, secretariat: Any) -> Consultation:
    """In review; the first persona expert chairs, the second is a member; blind review."""
    return world.advance("in_review", officer=officer, secretariat=secretariat)


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {opinion["id"] for opinion in response.json()}


def test_an_expert_s_draft_is_never_visible_to_anyone_else(
    in_review: Consultation,
    expert_user: Any,
    other_expert_user: Any,
    secretariat: Any,
    officer: Any,
    admin_user: Any,
    api_client: Any,
) -> None:
    started = api_client(other_expert_user).post(_url(in_review, "/opinions"))
    assert started.status_code == 200, started.content
    draft = started.json()
    assert draft["state"] == "draft"
    url = _url(in_review, f"/opinions/{draft['id']}")
    assert api_client(other_expert_user).get(url).json()["id"] == draft["id"]
    for user in (expert_user, secretariat, officer, admin_user):
        assert api_client(user).get(url).status_code == 404
        assert draft["id"] not in _ids(api_client(user).get(_url(in_review, "/opinions")))
    # Only members write opinions.
    assert api_client(secretariat).post(_url(in_review, "/opinions")).status_code == 403


def test_blind_review_hides_submitted_opinions_until_the_member_submits(
    in_review: Consultation,
    expert_user: Any,
    other_expert_user: Any,
    secretariat: Any,
    officer: Any,
    other_officer: Any,
    api_client: Any,
) -> None:
    chair = api_client(expert_user)
    member = api_client(other_expert_user)
    draft = chair.post(_url(in_review, "/opinions")).json()
    url = _url(in_review, f"/opinions/{draft['id']}")
    saved = chair.patch(
        url,
        {"lock_version": draft["lock_version"], "verdict": "agree", "summary": "Đồng ý."},
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    submitted = chair.post(
        f"{url}/submit",
        {"lock_version": saved.json()["lock_version"]},
        content_type="application/json",
    )
    assert submitted.json()["state"] == "submitted"
    assert _ids(api_client(secretariat).get(_url(in_review, "/opinions"))) == {draft["id"]}
    assert _ids(member.get(_url(in_review, "/opinions"))) == set()
    assert member.get(url).status_code == 404
    # The agency reads opinions only once the report is issued; another agency never.
    assert _ids(api_client(officer).get(_url(in_review, "/opinions"))) == set()
    assert api_client(other_officer).get(_url(in_review, "/opinions")).status_code == 404
    own = member.post(_url(in_review, "/opinions")).json()
    own_url = _url(in_review, f"/opinions/{own['id']}")
    member.patch(
        own_url, {"lock_version": 0, "verdict": "disagree"}, content_type="application/json"
    )
    member.post(f"{own_url}/submit", {"lock_version": 1}, content_type="application/json")
    assert _ids(member.get(_url(in_review, "/opinions"))) == {draft["id"], own["id"]}
    assert member.get(url).json()["summary"] == "Đồng ý."


def test_a_draft_is_saved_and_submitted_only_by_its_author_with_a_current_lock_version(
    in_review: Consultation,
    expert_user: Any,
    other_expert_user: Any,
    secretariat: Any,
    api_client: Any,
) -> None:
    chair = api_client(expert_user)
    draft = chair.post(_url(in_review, "/opinions")).json()
    url = _url(in_review, f"/opinions/{draft['id']}")
    question = in_review.questions.first()
    assert question is not None
    saved = chair.patch(
        url,
        {"lock_version": 0, "verdict": "conditions", "answers": {str(question.pk): "Ổn."}},
        content_type="application/json",
    )
    assert saved.json()["lock_version"] == 1
    assert saved.json()["answers"] == [{"question_id": question.pk, "text": "Ổn."}]
    stale = chair.patch(url, {"lock_version": 0, "summary": "Cũ"}, content_type="application/json")
    assert stale.status_code == 422
    assert stale.json()["code"] == "stale"
    for user in (other_expert_user, secretariat):
        assert (
            api_client(user).patch(url, {"lock_version": 1}, content_type="application/json")
        ).status_code == 404
        assert (
            api_client(user).post(
                f"{url}/submit", {"lock_version": 1}, content_type="application/json"
            )
        ).status_code == 404
    assert Opinion.objects.get(pk=draft["id"]).summary == ""
    submitted = chair.post(f"{url}/submit", {"lock_version": 1}, content_type="application/json")
    assert submitted.json()["state"] == "submitted"
    locked = chair.patch(url, {"lock_version": 2}, content_type="application/json")
    assert locked.status_code == 404


def test_a_draft_without_a_verdict_is_not_submitted(
    in_review: Consultation, expert_user: Any, api_client: Any
) -> None:
    chair = api_client(expert_user)
    draft = chair.post(_url(in_review, "/opinions")).json()
    url = _url(in_review, f"/opinions/{draft['id']}/submit")
    response = chair.post(url, {"lock_version": 0}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "verdict"
    assert Opinion.objects.get(pk=draft["id"]).state == "draft"


def test_listing_opinions_takes_the_same_number_of_queries_for_many_opinions(
    in_review: Consultation,
    secretariat: Any,
    api_client: Any,
    django_assert_max_num_queries: Any,
) -> None:
    api = api_client(secretariat)
    with django_assert_max_num_queries(14):
        api.get(_url(in_review, "/opinions"))
    for number in range(10):
        opinion_services.opinion_record_offline(
            actor=secretariat,
            consultation=in_review,
            source="paper",
            verdict="agree",
            author_name=f"Ủy ban nhân dân phường số {number}",
        )
    with django_assert_max_num_queries(14):
        assert len(api.get(_url(in_review, "/opinions")).json()) == 10


# --- Responses and reports -------------------------------------------------------------


@pytest.fixture
def reported(
    world: World, officer: Any, secretariat: Any, django_capture_on_commit_callbacks: Any
) -> Consultation:
    """Reported, with its documents generated and one remark waiting for an answer."""
    with django_capture_on_commit_callbacks(execute=True):
        return world.advance("reported", officer=officer, secretariat=secretariat)


def test_the_agency_answers_each_remark_and_the_round_stays_open_until_closed(
    reported: Consultation,
    officer: Any,
    other_officer: Any,
    expert_user: Any,
    api_client: Any,
) -> None:
    url = _url(reported, "/responses")
    items = api_client(officer).get(url).json()
    assert [i["content"] for i in items] == ["Cần bổ sung bãi đỗ xe công cộng."]
    assert items[0]["response"] is None
    payload = {"item_id": items[0]["item_id"], "result": "not_accepted", "explanation": " "}
    assert api_client(other_officer).get(url).status_code == 404
    assert (
        api_client(other_officer).post(url, payload, content_type="application/json").status_code
        == 404
    )
    # The panel reads the answers but does not give them.
    assert len(api_client(expert_user).get(url).json()) == 1
    assert (
        api_client(expert_user).post(url, payload, content_type="application/json").status_code
        == 403
    )
    unexplained = api_client(officer).post(url, payload, content_type="application/json")
    assert unexplained.status_code == 422
    assert unexplained.json()["code"] == "explanation"
    unknown = api_client(officer).post(
        url, payload | {"item_id": 999_999}, content_type="application/json"
    )
    assert unknown.status_code == 404
    # Another answer was saved since this one was read (0: none yet): nothing is saved.
    conflict = api_client(officer).post(
        url,
        payload | {"explanation": "Giữ nguyên.", "lock_version": 3},
        content_type="application/json",
    )
    assert conflict.status_code == 422
    assert conflict.json()["code"] == "edit_conflict"
    assert api_client(officer).get(url).json()[0]["response"] is None
    answered = api_client(officer).post(
        url, payload | {"explanation": "Đã có bãi đỗ xe ngầm."}, content_type="application/json"
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["response"]["result"] == "not_accepted"
    assert answered.json()["response"]["lock_version"] == 1
    reported.refresh_from_db()
    assert reported.state == "responding"


def test_responses_are_not_readable_before_the_report(
    in_review: Consultation, officer: Any, api_client: Any
) -> None:
    response = api_client(officer).get(_url(in_review, "/responses"))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_reports_are_downloaded_by_the_parties_with_a_safe_file_name(
    reported: Consultation,
    officer: Any,
    other_officer: Any,
    outsider: Any,
    api_client: Any,
) -> None:
    reports = api_client(officer).get(_url(reported, "/reports")).json()
    report = next(r for r in reports if r["kind"] == "report")
    assert report["status"] == "ready"
    response = api_client(officer).get(report["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Bao-cao-tong-hop-y-kien-')
    assert "filename*=UTF-8''" in disposition
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert AuditEntry.objects.filter(
        action=Action.DOWNLOAD, actor=officer, target_id=str(report["id"])
    ).exists()
    for user in (other_officer, outsider):
        assert api_client(user).get(report["download_url"]).status_code == 404
        assert api_client(user).get(_url(reported, "/reports")).status_code == 404


def test_reports_are_not_listed_or_downloaded_before_the_report(
    reported: Consultation, officer: Any, api_client: Any
) -> None:
    report = reported.generated_documents.first()
    assert report is not None
    other = ConsultationFactory.create(
        dossier=reported.dossier, association=OrganizationFactory.create(kind="association")
    )
    assert api_client(officer).get(_url(other, "/reports")).json() == []
    wrong_parent = api_client(officer).get(_url(other, f"/reports/{report.pk}/download"))
    assert wrong_parent.status_code == 404


def test_a_report_still_being_generated_has_no_download(
    world: World, officer: Any, secretariat: Any, api_client: Any
) -> None:
    consultation = world.advance("reported", officer=officer, secretariat=secretariat)
    reports = api_client(officer).get(_url(consultation, "/reports")).json()
    assert {r["status"] for r in reports} == {"pending"}
    assert {r["download_url"] for r in reports} == {None}
    download = _url(consultation, f"/reports/{reports[0]['id']}/download")
    assert api_client(officer).get(download).status_code == 404


# --- The OpenAPI document tells the truth about real answers ----------------------------


@pytest.fixture
def openapi() -> Any:
    """The document the application serves, with its requests through the WSGI app."""
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    # As in tests/api/test_openapi_conformance.py: keep the test's connection open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_read_of_a_reported_consultation_conforms_to_the_document(
    reported: Consultation, officer: Any, openapi: Any
) -> None:
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    _token, raw = api_token_create(actor=officer, name="conformance")
    opinion = reported.opinions.get()
    report = reported.generated_documents.get(kind="items")
    ids = {
        "consultation_id": reported.pk,
        "opinion_id": opinion.pk,
        "invitation_id": reported.invitations.order_by("pk")[0].pk,
        "report_id": report.pk,
    }
    paths = [
        "",
        "/{consultation_id}",
        "/{consultation_id}/transitions",
        "/{consultation_id}/invitations",
        "/{consultation_id}/opinions",
        "/{consultation_id}/opinions/{opinion_id}",
        "/{consultation_id}/responses",
        "/{consultation_id}/reports",
        "/{consultation_id}/reports/{report_id}/download",
    ]
    for path in paths:
        operation = openapi[f"{BASE}{path}"]["GET"]
        wanted = {name: ids[name] for name in ids if "{" + name + "}" in path}
        case = operation.Case(path_parameters=wanted)
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {raw}"},
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
        )
        assert response.status_code == 200, path
