"""The opinion work the API gained: remarks on text and map, attachments, amendments, and
the opinions the secretariat records from paper or email. The author (or the secretariat)
beside those refused, and nothing changed on a refusal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from thamvan.audit.models import AuditEntry
from thamvan.audit.services import Action
from thamvan.consultations.models import Attachment, Consultation, Opinion, OpinionItem
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.tests.conftest import World
from thamvan.core.tests.samples import pdf_bytes
from thamvan.dossiers.models import Document
from thamvan.dossiers.tests.factories import DocumentFactory, DossierVersionFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/consultations"


def _url(consultation: Consultation, suffix: str = "") -> str:
    return f"{BASE}/{consultation.pk}{suffix}"


def _post(api: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return api.post(url, body or {}, content_type="application/json")


def _footprint(consultation: Consultation) -> tuple[int, ...]:
    return (
        Opinion.objects.filter(consultation=consultation).count(),
        OpinionItem.objects.filter(opinion__consultation=consultation).count(),
        Attachment.objects.filter(opinion__consultation=consultation).count(),
        sum(
            Opinion.objects.filter(consultation=consultation).values_list("lock_version", flat=True)
        ),
        AuditEntry.objects.exclude(action="access.denied").count(),
    )


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


@pytest.fixture
def document(world: World) -> Document:
    """A document of the consulted version, added before sending freezes it."""
    return DocumentFactory.create(version=world.consultation.version)


@pytest.fixture
def in_review(world: World, document: Document, officer: Any, secretariat: Any) -> Consultation:
    """In review; the first persona expert chairs, the second is a member; blind review."""
    return world.advance("in_review", officer=officer, secretariat=secretariat)


@pytest.fixture
def draft(in_review: Consultation, expert_user: Any) -> Opinion:
    return opinion_services.opinion_start(actor=expert_user, consultation=in_review)


def test_the_author_adds_and_removes_remarks_and_no_one_else_may(
    in_review: Consultation,
    draft: Opinion,
    document: Document,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
    api_client: Any,
) -> None:
    question = in_review.questions.order_by("order").first()
    assert question is not None
    url = _url(in_review, f"/opinions/{draft.pk}/items")
    body = {
        "lock_version": 0,
        "content": "Cần bổ sung bãi đỗ xe công cộng.",
        "question_id": question.pk,
        "document_id": document.pk,
        "section": "Mục 3.2",
        "geometry": {"type": "Point", "coordinates": [105.85, 21.03]},
    }
    before = _footprint(in_review)
    # Nobody but its author sees a draft: 404, whatever the role.
    for user in (secretariat, other_expert_user, officer):
        _refused(_post(api_client(user), url, body), 404, "not_found")
    assert _footprint(in_review) == before
    added = _post(api_client(expert_user), url, body)
    assert added.status_code == 201, added.content
    opinion = added.json()
    assert opinion["lock_version"] == 1
    [item] = opinion["items"]
    assert (item["question_id"], item["document_id"], item["section"]) == (
        question.pk,
        document.pk,
        "Mục 3.2",
    )
    assert item["geometry"] == {"type": "Point", "coordinates": [105.85, 21.03]}
    # Sent again with the version read before the first add: refused, nothing saved.
    before = _footprint(in_review)
    _refused(_post(api_client(expert_user), url, body), 422, "stale")
    assert _footprint(in_review) == before
    remove = _url(in_review, f"/opinions/{draft.pk}/items/{item['id']}")
    _refused(api_client(other_expert_user).delete(f"{remove}?lock_version=1"), 404, "not_found")
    _refused(api_client(expert_user).delete(f"{remove}?lock_version=0"), 422, "stale")
    assert _footprint(in_review) == before
    removed = api_client(expert_user).delete(f"{remove}?lock_version=1")
    assert removed.status_code == 200, removed.content
    assert removed.json()["items"] == []
    assert removed.json()["lock_version"] == 2


def test_a_remark_is_checked_as_the_page_checks_it(
    in_review: Consultation, draft: Opinion, expert_user: Any, api_client: Any
) -> None:
    elsewhere = DocumentFactory.create(
        version=DossierVersionFactory.create(dossier=in_review.dossier)
    )
    url = _url(in_review, f"/opinions/{draft.pk}/items")
    api = api_client(expert_user)
    before = _footprint(in_review)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"geometry": {"type": "Circle", "coordinates": [1, 2]}}, "geometry"),
        ({"document_id": elsewhere.pk}, "document"),
        ({"question_id": 999_999}, "question"),
        ({"content": "   "}, "content"),
    ]
    for change, field in cases:
        response = _post(api, url, {"lock_version": 0, "content": "Ý kiến."} | change)
        _refused(response, 422, "invalid")
        assert field in response.json()["detail"], field
    assert _footprint(in_review) == before


def test_the_author_attaches_a_file_that_only_readers_of_the_opinion_download(
    in_review: Consultation,
    draft: Opinion,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
    api_client: Any,
) -> None:
    url = _url(in_review, f"/opinions/{draft.pk}/attachments")
    before = _footprint(in_review)
    refused = api_client(other_expert_user).post(
        url, {"lock_version": 0, "file": SimpleUploadedFile("gop-y.pdf", pdf_bytes())}
    )
    _refused(refused, 404, "not_found")
    fake = api_client(expert_user).post(
        url, {"lock_version": 0, "file": SimpleUploadedFile("gop-y.pdf", b"MZ not a pdf")}
    )
    assert fake.status_code == 422, fake.content
    assert _footprint(in_review) == before
    attached = api_client(expert_user).post(
        url, {"lock_version": 0, "file": SimpleUploadedFile("Góp ý đợt 1.pdf", pdf_bytes())}
    )
    assert attached.status_code == 201, attached.content
    [attachment] = attached.json()["attachments"]
    assert attachment["filename"] == "Góp ý đợt 1.pdf"
    assert attachment["content_type"] == "application/pdf"
    download = api_client(expert_user).get(attachment["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(
        action=Action.DOWNLOAD, actor=expert_user, target_id=str(attachment["id"])
    ).exists()
    # A draft's file is its author's alone, as the draft is.
    for user in (secretariat, other_expert_user):
        _refused(api_client(user).get(attachment["download_url"]), 404, "not_found")


def test_the_author_amends_a_submitted_opinion_and_the_submitted_one_stays(
    in_review: Consultation,
    draft: Opinion,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
    api_client: Any,
) -> None:
    opinion_services.opinion_save_draft(
        actor=expert_user, opinion=draft, lock_version=0, verdict="agree", summary="Đồng ý."
    )
    opinion_services.opinion_submit(actor=expert_user, opinion=draft, lock_version=1)
    url = _url(in_review, f"/opinions/{draft.pk}/amend")
    before = _footprint(in_review)
    # The secretariat reads the submitted opinion but may not amend it; the other member,
    # who has not submitted, does not see it (blind review).
    _refused(_post(api_client(secretariat), url), 403, "forbidden")
    _refused(_post(api_client(other_expert_user), url), 404, "not_found")
    assert _footprint(in_review) == before
    amended = _post(api_client(expert_user), url)
    assert amended.status_code == 201, amended.content
    assert amended.json()["state"] == "draft"
    assert amended.json()["revision"] == 2
    assert amended.json()["previous_id"] == draft.pk
    draft.refresh_from_db()
    assert draft.state == "submitted" and draft.is_current


def test_the_secretariat_records_an_opinion_received_on_paper_with_its_letter(
    in_review: Consultation,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    expert_user: Any,
    leadership: Any,
    world: World,
    api_client: Any,
) -> None:
    url = _url(in_review, "/offline-opinions")
    body = {
        "source": "paper",
        "verdict": "conditions",
        "summary": "Cơ bản thống nhất.",
        "expert_id": str(world.other_expert.pk),
        "items_text": "Bổ sung cây xanh.\n\n  Làm rõ chỉ tiêu dân số. ",
    }
    before = _footprint(in_review)
    for user in (officer, expert_user, leadership):
        _refused(api_client(user).post(url, body), 403, "forbidden")
    _refused(api_client(other_officer).post(url, body), 404, "not_found")
    anonymous = {name: value for name, value in body.items() if name != "expert_id"}
    nobody = api_client(secretariat).post(url, anonymous)
    _refused(nobody, 422, "author")
    stranger = api_client(secretariat).post(url, body | {"expert_id": "999999"})
    _refused(stranger, 422, "invalid")
    assert "expert" in stranger.json()["detail"]
    assert _footprint(in_review) == before
    recorded = api_client(secretariat).post(
        url, body | {"letter": SimpleUploadedFile("Công văn 12.pdf", pdf_bytes())}
    )
    assert recorded.status_code == 201, recorded.content
    opinion = recorded.json()
    assert (opinion["state"], opinion["source"], opinion["verdict"]) == (
        "submitted",
        "paper",
        "conditions",
    )
    assert opinion["expert_id"] == world.other_expert.pk
    assert [item["content"] for item in opinion["items"]] == [
        "Bổ sung cây xanh.",
        "Làm rõ chỉ tiêu dân số.",
    ]
    [letter] = opinion["attachments"]
    assert letter["is_scanned_letter"] is True
    assert AuditEntry.objects.filter(action="opinion.record", actor=secretariat).exists()


def test_no_opinion_is_recorded_before_the_review(
    world: World, officer: Any, secretariat: Any, api_client: Any
) -> None:
    consultation = world.advance("panel_forming", officer=officer, secretariat=secretariat)
    response = api_client(secretariat).post(
        _url(consultation, "/offline-opinions"),
        {"source": "email", "verdict": "agree", "author_name": "UBND phường Hoàn Kiếm"},
    )
    _refused(response, 422, "state")
    assert not consultation.opinions.exists()
