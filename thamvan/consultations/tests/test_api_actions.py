"""The page actions the API gained: the chair, the synthesis, the report, the revised
version and the next round. Each endpoint with the persona it serves beside those it
refuses (404 for who may not read the consultation, 403 for a reader whose role may not
act, 422 for a rule of the lifecycle), and nothing changed on a refusal."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from thamvan.audit.models import AuditEntry
from thamvan.consultations.lifecycle import NO_CHAIR, NO_CONCLUSIONS
from thamvan.consultations.models import Consultation, Invitation, Transition
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import requests as request_services
from thamvan.consultations.services._common import STALE_SYNTHESIS
from thamvan.consultations.tests.conftest import World
from thamvan.dossiers.tests.factories import DossierVersionFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/consultations"


def _url(consultation: Consultation, suffix: str = "") -> str:
    return f"{BASE}/{consultation.pk}{suffix}"


def _post(api: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return api.post(url, body or {}, content_type="application/json")


def _put(api: Client, url: str, body: dict[str, Any]) -> Any:
    return api.put(url, body, content_type="application/json")


def _footprint(consultation: Consultation) -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    stored = Consultation.objects.get(pk=consultation.pk)
    return (
        stored.state,
        stored.synthesis_lock_version,
        stored.conclusions,
        stored.revised_version_id,
        list(stored.invitations.order_by("pk").values_list("is_chair", flat=True)),
        Transition.objects.filter(consultation=consultation).count(),
        Consultation.objects.count(),
        AuditEntry.objects.exclude(action="access.denied").count(),
    )


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


# --- The chair ---------------------------------------------------------------------------


def test_the_secretariat_designates_the_chair_and_others_are_refused(
    world: World,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
    leadership: Any,
    outsider: Any,
    api_client: Any,
) -> None:
    consultation = world.advance("panel_forming", officer=officer, secretariat=secretariat)
    first, second = consultation.invitations.order_by("pk")
    assert first.is_chair
    url = _url(consultation, "/chair")
    body = {"invitation_id": second.pk}
    before = _footprint(consultation)
    for user in (other_officer, outsider):
        _refused(_post(api_client(user), url, body), 404, "not_found")
    # Readers of the consultation whose role does not designate the chair.
    for user in (officer, expert_user, other_expert_user, leadership):
        _refused(_post(api_client(user), url, body), 403, "forbidden")
    assert _footprint(consultation) == before
    response = _post(api_client(secretariat), url, body)
    assert response.status_code == 200, response.content
    assert response.json()["id"] == second.pk
    assert response.json()["is_chair"] is True
    assert list(consultation.invitations.order_by("pk").values_list("is_chair", flat=True)) == [
        False,
        True,
    ]
    assert Transition.objects.filter(consultation=consultation, action="chair").count() == 2
    assert AuditEntry.objects.filter(
        action="invitation.set_chair", target_id=str(second.pk)
    ).exists()


def test_the_chair_must_have_accepted_and_belong_to_the_panel(
    world: World, officer: Any, secretariat: Any, api_client: Any
) -> None:
    consultation = world.advance("panel_forming", officer=officer, secretariat=secretariat)
    declined = consultation.invitations.order_by("pk").last()
    assert declined is not None
    Invitation.objects.filter(pk=declined.pk).update(state=Invitation.Status.DECLINED)
    before = _footprint(consultation)
    api = api_client(secretariat)
    _refused(_post(api, _url(consultation, "/chair"), {"invitation_id": declined.pk}), 422, "chair")
    _refused(_post(api, _url(consultation, "/chair"), {"invitation_id": 999_999}), 404, "not_found")
    assert _footprint(consultation) == before


def test_the_chair_is_not_designated_once_the_synthesis_started(
    world: World, officer: Any, secretariat: Any, api_client: Any
) -> None:
    consultation = world.advance("synthesizing", officer=officer, secretariat=secretariat)
    second = consultation.invitations.order_by("pk").last()
    assert second is not None
    before = _footprint(consultation)
    response = _post(
        api_client(secretariat), _url(consultation, "/chair"), {"invitation_id": second.pk}
    )
    _refused(response, 422, "state")
    assert _footprint(consultation) == before


# --- The synthesis -----------------------------------------------------------------------


@pytest.fixture
def synthesizing(world: World, officer: Any, secretariat: Any) -> Consultation:
    """Synthesizing; the first persona expert chairs and submitted one remark."""
    return world.advance("synthesizing", officer=officer, secretariat=secretariat)


def test_the_secretariat_and_the_chair_read_the_synthesis_and_no_one_else(
    synthesizing: Consultation,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
    leadership: Any,
    api_client: Any,
) -> None:
    url = _url(synthesizing, "/synthesis")
    for user in (secretariat, expert_user):
        body = api_client(user).get(url).json()
        assert body["editable"] is True
        assert body["lock_version"] == 0
        assert [item["content"] for item in body["items"]] == ["Cần bổ sung bãi đỗ xe công cộng."]
        assert body["items"][0]["section"] == "Mục 3.2"
    for user in (officer, other_expert_user, leadership):
        _refused(api_client(user).get(url), 403, "forbidden")
    _refused(api_client(other_officer).get(url), 404, "not_found")


def test_the_chair_saves_the_synthesis_and_a_stale_save_gets_409(
    synthesizing: Consultation,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
    api_client: Any,
) -> None:
    url = _url(synthesizing, "/synthesis")
    item = api_client(expert_user).get(url).json()["items"][0]
    body = {
        "lock_version": 0,
        "introduction": "Hội nhận được hồ sơ ngày 05/02/2026.",
        "conclusions": "Đồ án cơ bản đáp ứng yêu cầu.",
        "recommendations": "Bổ sung bãi đỗ xe.\nLàm rõ chỉ tiêu cây xanh.",
        "topics": [{"item_id": item["item_id"], "topic": "Giao thông tĩnh"}],
    }
    before = _footprint(synthesizing)
    for user in (officer, other_expert_user):
        _refused(_put(api_client(user), url, body), 403, "forbidden")
    assert _footprint(synthesizing) == before
    saved = _put(api_client(expert_user), url, body)
    assert saved.status_code == 200, saved.content
    assert saved.json()["lock_version"] == 1
    assert saved.json()["conclusions"] == "Đồ án cơ bản đáp ứng yêu cầu."
    assert saved.json()["items"][0]["topic"] == "Giao thông tĩnh"
    # The secretariat opened the synthesis before the chair saved: told, not overwritten.
    before = _footprint(synthesizing)
    stale = _put(api_client(secretariat), url, body | {"conclusions": "Chưa đạt."})
    _refused(stale, 409, "edit_conflict")
    assert stale.json()["detail"] == str(STALE_SYNTHESIS)
    assert _footprint(synthesizing) == before
    again = _put(api_client(secretariat), url, body | {"lock_version": 1, "topics": []})
    assert again.json()["lock_version"] == 2
    assert again.json()["items"][0]["topic"] == "Giao thông tĩnh"


def test_the_synthesis_is_read_but_not_saved_before_it_starts(
    world: World, officer: Any, secretariat: Any, expert_user: Any, api_client: Any
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    url = _url(consultation, "/synthesis")
    assert api_client(expert_user).get(url).json()["editable"] is False
    before = _footprint(consultation)
    refused = _put(api_client(expert_user), url, {"lock_version": 0, "conclusions": "Sớm."})
    _refused(refused, 422, "state")
    assert _footprint(consultation) == before


def test_reading_the_synthesis_takes_the_same_number_of_queries_for_many_remarks(
    synthesizing: Consultation,
    secretariat: Any,
    api_client: Any,
    django_assert_max_num_queries: Any,
) -> None:
    api = api_client(secretariat)
    url = _url(synthesizing, "/synthesis")
    with django_assert_max_num_queries(14):
        assert len(api.get(url).json()["items"]) == 1
    opinion = synthesizing.opinions.get()
    for number in range(20):
        opinion.items.create(order=number + 2, content=f"Ý kiến số {number}.")
    with django_assert_max_num_queries(14):
        assert len(api.get(url).json()["items"]) == 21


# --- The report --------------------------------------------------------------------------


def test_the_secretariat_issues_the_report_and_its_documents_follow(
    synthesizing: Consultation,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    expert_user: Any,
    api_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = _url(synthesizing, "/report")
    body = {"report_number": "15/BC-HQH"}
    before = _footprint(synthesizing)
    # No conclusions yet: the lifecycle's precondition, in its words.
    early = _post(api_client(secretariat), url, body)
    _refused(early, 422, "conclusions")
    assert early.json()["detail"] == str(NO_CONCLUSIONS)
    _put(
        api_client(expert_user),
        _url(synthesizing, "/synthesis"),
        {"lock_version": 0, "conclusions": "Đồ án cơ bản đáp ứng yêu cầu."},
    )
    before = _footprint(synthesizing)
    # The chair drafts the synthesis; the association's office issues the report.
    for user in (expert_user, officer):
        _refused(_post(api_client(user), url, body), 403, "forbidden")
    _refused(_post(api_client(other_officer), url, body), 404, "not_found")
    assert _footprint(synthesizing) == before
    with django_capture_on_commit_callbacks(execute=True):
        issued = _post(api_client(secretariat), url, body)
    assert issued.status_code == 201, issued.content
    answer = issued.json()
    assert answer["state"] == "reported"
    assert answer["report_number"] == "15/BC-HQH"
    # Answered before the background task ran: each document says it is on its way.
    assert {d["kind"] for d in answer["documents"]} == {"report", "response_table", "items"}
    assert {(d["status"], d["download_url"]) for d in answer["documents"]} == {("pending", None)}
    reports = api_client(officer).get(_url(synthesizing, "/reports")).json()
    report = next(r for r in reports if r["kind"] == "report")
    assert report["status"] == "ready"
    assert api_client(officer).get(report["download_url"]).status_code == 200
    _refused(_post(api_client(secretariat), url, body), 422, "state")


# --- The revised version and the next round ---------------------------------------------


def test_the_agency_links_the_revised_version_after_the_report(
    world: World,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    expert_user: Any,
    api_client: Any,
) -> None:
    consultation = world.advance("reported", officer=officer, secretariat=secretariat)
    revised = DossierVersionFactory.create(dossier=consultation.dossier)
    url = _url(consultation, "/revision")
    body = {"version_number": revised.number}
    before = _footprint(consultation)
    for user in (secretariat, expert_user):
        _refused(_post(api_client(user), url, body), 403, "forbidden")
    _refused(_post(api_client(other_officer), url, body), 404, "not_found")
    unknown = _post(api_client(officer), url, {"version_number": 99})
    _refused(unknown, 422, "invalid")
    assert "version_number" in unknown.json()["detail"]
    assert _footprint(consultation) == before
    linked = _post(api_client(officer), url, body)
    assert linked.status_code == 200, linked.content
    assert linked.json() == {"revised_version_number": revised.number}
    consultation.refresh_from_db()
    assert consultation.revised_version_id == revised.pk


def test_no_revised_version_is_linked_before_the_report(
    world: World, officer: Any, secretariat: Any, api_client: Any
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    before = _footprint(consultation)
    response = _post(
        api_client(officer),
        _url(consultation, "/revision"),
        {"version_number": consultation.version.number},
    )
    _refused(response, 422, "state")
    assert _footprint(consultation) == before


def test_the_agency_drafts_a_new_round_after_a_return(
    world: World,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    api_client: Any,
) -> None:
    consultation = world.consultation
    url = _url(consultation, "/new-round")
    # A draft has no next round yet.
    _refused(_post(api_client(officer), url), 422, "state")
    request_services.consultation_send(actor=officer, consultation=consultation)
    request_services.consultation_return(
        actor=secretariat, consultation=consultation, reason="Thiếu bản vẽ."
    )
    newer_version = DossierVersionFactory.create(dossier=consultation.dossier)
    before = _footprint(consultation)
    _refused(_post(api_client(secretariat), url), 403, "forbidden")
    _refused(_post(api_client(other_officer), url), 404, "not_found")
    assert _footprint(consultation) == before
    response = _post(api_client(officer), url)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft"
    assert body["previous_id"] == consultation.pk
    assert body["round_number"] == 2
    assert body["version_number"] == newer_version.number
    assert [q["text"] for q in body["questions"]] == [
        "Ý kiến về cơ cấu sử dụng đất?",
        "Ý kiến về tổ chức giao thông?",
    ]
    assert body["actions"] == ["send", "withdraw"]


def test_a_closed_round_is_followed_by_a_new_one(
    world: World, officer: Any, secretariat: Any, api_client: Any
) -> None:
    consultation = world.advance("reported", officer=officer, secretariat=secretariat)
    for item in outcome_services.items_to_answer(consultation):
        outcome_services.response_record(actor=officer, item=item, result="accepted")
    outcome_services.consultation_close(actor=officer, consultation=consultation)
    response = _post(api_client(officer), _url(consultation, "/new-round"))
    assert response.status_code == 201, response.content
    assert response.json()["previous_id"] == consultation.pk


# --- Editing a draft request ---------------------------------------------------------------


def test_the_agency_edits_its_draft_and_a_stale_edit_gets_409(
    world: World,
    orgs: Any,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    api_client: Any,
) -> None:
    consultation = world.consultation
    url = _url(consultation, "")
    read = api_client(officer).get(url).json()
    body = {
        "lock_version": read["lock_version"],
        "title": "Xin ý kiến lần 2 về quy hoạch phân khu N9",
        "questions": ["Ý kiến về chỉ tiêu cây xanh?"],
        "association_id": orgs.branch.pk,
        "deadline_days": None,
        "panel_size": 4,
    }
    before = _footprint(consultation)
    for user in (other_officer, secretariat):
        _refused(
            api_client(user).patch(url, body, content_type="application/json"), 404, "not_found"
        )
    assert _footprint(consultation) == before
    saved = api_client(officer).patch(url, body, content_type="application/json")
    assert saved.status_code == 200, saved.content
    answer = saved.json()
    assert answer["title"] == body["title"]
    assert [q["text"] for q in answer["questions"]] == ["Ý kiến về chỉ tiêu cây xanh?"]
    assert (answer["association_id"], answer["panel_size"]) == (orgs.branch.pk, 4)
    assert answer["lock_version"] == read["lock_version"] + 1
    # Sent again with the version read before: someone saved meanwhile.
    stale = api_client(officer).patch(
        url, body | {"title": "Tiêu đề cũ"}, content_type="application/json"
    )
    _refused(stale, 409, "edit_conflict")
    consultation.refresh_from_db()
    assert consultation.title == body["title"]


def test_a_draft_edit_is_checked_and_a_sent_request_is_not_edited(
    world: World, orgs: Any, officer: Any, secretariat: Any, api_client: Any
) -> None:
    consultation = world.consultation
    url = _url(consultation, "")
    api = api_client(officer)
    before = _footprint(consultation)
    cases = [
        ({"title": None}, "title"),
        ({"title": "   "}, "title"),
        ({"association_id": orgs.department.pk}, "association_id"),
        ({"version_number": 99}, "version_number"),
        ({"required_specialties": ["khong-co"]}, "required_specialties"),
    ]
    for body, field in cases:
        response = api.patch(url, body, content_type="application/json")
        _refused(response, 422, "invalid")
        assert field in response.json()["detail"], field
    assert _footprint(consultation) == before
    request_services.consultation_send(actor=officer, consultation=consultation)
    before = _footprint(consultation)
    _refused(api.patch(url, {"title": "Muộn"}, content_type="application/json"), 422, "state")
    refused = api_client(secretariat).patch(url, {"title": "Sửa"}, content_type="application/json")
    _refused(refused, 403, "forbidden")
    assert _footprint(consultation) == before


# --- Preconditions shown before the call ------------------------------------------------


def test_the_detail_names_what_a_blocked_transition_waits_for(
    world: World,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    api_client: Any,
) -> None:
    consultation = world.advance("panel_forming", officer=officer, secretariat=secretariat)
    consultation.invitations.update(is_chair=False)
    body = api_client(secretariat).get(_url(consultation)).json()
    assert "start_review" not in body["actions"]
    assert body["blocked_actions"] == [{"action": "start_review", "unmet": [str(NO_CHAIR)]}]
    # Only the user's own transitions: the agency is not told what the secretariat waits for.
    assert api_client(officer).get(_url(consultation)).json()["blocked_actions"] == []
    chair = consultation.invitations.order_by("pk").first()
    assert chair is not None
    _post(api_client(secretariat), _url(consultation, "/chair"), {"invitation_id": chair.pk})
    body = api_client(secretariat).get(_url(consultation)).json()
    assert "start_review" in body["actions"]
    assert body["blocked_actions"] == []


# --- The OpenAPI document tells the truth about these answers ---------------------------


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


def test_the_synthesis_and_report_answers_conform_to_the_document(
    synthesizing: Consultation, secretariat: Any, openapi: Any
) -> None:
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    from thamvan.accounts.tokens import api_token_create

    _token, raw = api_token_create(actor=secretariat, name="conformance")
    ids = {"consultation_id": synthesizing.pk}
    calls = [
        ("/{consultation_id}", "GET", None, 200),
        ("/{consultation_id}/synthesis", "GET", None, 200),
        ("/{consultation_id}/synthesis", "PUT", {"lock_version": 0, "conclusions": "Đạt."}, 200),
        ("/{consultation_id}/synthesis", "PUT", {"lock_version": 0, "conclusions": "Cũ."}, 409),
        ("/{consultation_id}/report", "POST", {"report_number": "15/BC-HQH"}, 201),
    ]
    for path, method, body, status in calls:
        operation = openapi[f"{BASE}{path}"][method]
        if body is None:
            case = operation.Case(path_parameters=ids)
        else:
            case = operation.Case(path_parameters=ids, body=body, media_type="application/json")
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {raw}"},
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
        )
        assert response.status_code == status, (path, method, response.content)
