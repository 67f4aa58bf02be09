"""Opinions, reports and responses in the knowledge base, and who finds them."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from thamvan.consultations.models import Opinion
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.dossiers.models import Confidentiality
from thamvan.search.indexing import reindex, remove_pk_now
from thamvan.search.models import SearchEntry
from thamvan.search.query import search

pytestmark = pytest.mark.django_db

SUBMITTED_TEXT = "Đề nghị bổ sung bãi đỗ xe ngầm tại nút giao Kim Liên."
DRAFT_TEXT = "Bản nháp: phương án di dời chợ Thụy Khuê chưa được công bố."
DRAFT_QUERY = "thuy khue"
EVERYONE = ["secretariat", "expert_user", "officer", "leadership", "admin_user", "outsider"]


def write_opinion(user: Any, consultation: Any, *, summary: str, remark: str) -> Opinion:
    opinion = opinion_services.opinion_start(actor=user, consultation=consultation)
    opinion_services.opinion_save_draft(
        actor=user,
        opinion=opinion,
        lock_version=opinion.lock_version,
        verdict=Opinion.Verdict.AGREE_WITH_CONDITIONS,
        summary=summary,
    )
    opinion_services.opinion_item_add(
        actor=user, opinion=opinion, lock_version=opinion.lock_version, content=remark
    )
    return opinion


def submit(user: Any, opinion: Opinion) -> Opinion:
    return opinion_services.opinion_submit(
        actor=user, opinion=opinion, lock_version=opinion.lock_version
    )


@pytest.fixture
def review(
    world: Any,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> dict[str, Any]:
    """In review: the chair submitted an opinion; the other expert holds a draft."""
    with django_capture_on_commit_callbacks(execute=True):
        world.advance("in_review", officer=officer, secretariat=secretariat)
        submitted = submit(
            expert_user,
            write_opinion(
                expert_user, world.consultation, summary="Cơ bản nhất trí.", remark=SUBMITTED_TEXT
            ),
        )
        draft = write_opinion(
            other_expert_user, world.consultation, summary="Chưa xong.", remark=DRAFT_TEXT
        )
    return {"world": world, "submitted": submitted, "draft": draft}


def _everything(results: Any) -> str:
    shown = [str(h.title_html) + str(h.snippet_html) for h in results.hits]
    shown += [
        f"{f.value}:{f.label}:{f.count}" for values in results.facets.values() for f in values
    ]
    return " ".join(shown)


def _found(results: Any) -> set[tuple[str, int]]:
    return {(h.entry.type, h.entry.object_id) for h in results.hits}


def test_the_secretariat_finds_a_submitted_opinion_by_an_accentless_query(
    review: dict[str, Any], secretariat: Any
) -> None:
    results = search("bai do xe ngam kim lien", user=secretariat)
    assert _found(results) == {("opinion", review["submitted"].pk)}
    assert results.total == 1
    assert "<mark>" in str(results.hits[0].snippet_html)
    assert results.facets["type"][0].value == "opinion"


@pytest.mark.parametrize("persona", [*EVERYONE, "other_expert_user"])
def test_a_draft_opinion_is_never_found_nor_counted(
    review: dict[str, Any], persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    draft_entry = SearchEntry.objects.filter(type="opinion", object_id=review["draft"].pk)
    assert not draft_entry.exists()
    # A full rebuild goes through every opinion, the draft included.
    reindex(["opinion"])
    assert not draft_entry.exists()
    results = search(DRAFT_QUERY, user=user)
    assert results.hits == []
    assert results.total == 0
    assert "Khuê" not in _everything(results)
    assert search("bai do xe ngam", user=user).total == (
        1 if persona in ("secretariat", "expert_user", "admin_user") else 0
    )


def test_a_draft_opinion_stays_out_of_the_index_after_a_full_reindex(
    review: dict[str, Any], admin_user: Any
) -> None:
    call_command("reindex", "opinion", stdout=StringIO())
    assert not SearchEntry.objects.filter(type="opinion", object_id=review["draft"].pk).exists()
    assert search(DRAFT_QUERY, user=admin_user).total == 0
    # Even if an entry slipped in, access filtering would still hide the draft.
    assert not Opinion.objects.visible_to(admin_user).filter(pk=review["draft"].pk).exists()


@pytest.mark.parametrize("persona", ["secretariat", "admin_user", "outsider"])
def test_the_search_page_and_api_never_show_the_draft(
    review: dict[str, Any], persona: str, request: pytest.FixtureRequest, as_user: Any
) -> None:
    client = as_user(request.getfixturevalue(persona))
    page = client.get(reverse("search:search"), {"q": DRAFT_QUERY})
    assert page.status_code == 200
    assert "Khuê" not in page.content.decode()
    assert page.context["results"].total == 0
    api = client.get("/api/v1/search", {"q": DRAFT_QUERY})
    assert api.status_code == 200
    assert api.json()["count"] == 0
    assert "Khuê" not in api.content.decode()


def test_the_search_page_shows_the_submitted_opinion_to_the_secretariat_only(
    review: dict[str, Any], secretariat: Any, outsider: Any, as_user: Any
) -> None:
    url = reverse("search:search")
    shown = as_user(secretariat).get(url, {"q": "bai do xe ngam"}).content.decode()
    assert review["submitted"].get_absolute_url() in shown
    hidden = as_user(outsider).get(url, {"q": "bai do xe ngam"}).content.decode()
    assert review["submitted"].get_absolute_url() not in hidden
    assert as_user(outsider).get("/api/v1/search", {"q": "bai do xe ngam"}).json()["count"] == 0


def test_blind_review_hides_a_submitted_opinion_from_a_member_until_they_submit(
    review: dict[str, Any], other_expert_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert search("bai do xe ngam", user=other_expert_user).total == 0
    with django_capture_on_commit_callbacks(execute=True):
        submit(other_expert_user, review["draft"])
    assert _found(search("bai do xe ngam", user=other_expert_user)) == {
        ("opinion", review["submitted"].pk)
    }


@pytest.mark.parametrize("persona", ["outsider", "other_officer"])
def test_an_opinion_on_a_restricted_dossier_stays_hidden_from_outsiders(
    world: Any,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    persona: str,
    request: pytest.FixtureRequest,
    django_capture_on_commit_callbacks: Any,
) -> None:
    dossier = world.consultation.dossier
    dossier.confidentiality = Confidentiality.RESTRICTED
    dossier.save(update_fields=["confidentiality"])
    with django_capture_on_commit_callbacks(execute=True):
        world.advance("reported", officer=officer, secretariat=secretariat)
    opinion = Opinion.objects.get(consultation=world.consultation)
    assert _found(search("bai do xe cong cong", user=officer)) == {("opinion", opinion.pk)}
    results = search("bai do xe cong cong", user=request.getfixturevalue(persona))
    assert results.total == 0
    assert _everything(results) == ""


def test_the_agency_finds_opinions_only_once_the_report_is_issued(
    world: Any,
    officer: Any,
    secretariat: Any,
    leadership: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world.advance("synthesizing", officer=officer, secretariat=secretariat)
    assert search("bai do xe cong cong", user=officer).total == 0
    assert search("bai do xe cong cong", user=leadership).total == 0
    consultation = world.consultation
    with django_capture_on_commit_callbacks(execute=True):
        synthesis_services.synthesis_save(
            actor=secretariat,
            consultation=consultation,
            lock_version=consultation.synthesis_lock_version,
            introduction="",
            conclusions="Đạt yêu cầu.",
            recommendations="",
        )
        synthesis_services.consultation_issue_report(actor=secretariat, consultation=consultation)
    assert search("bai do xe cong cong", user=officer).total == 1
    assert search("bai do xe cong cong", user=leadership).total == 1


def test_the_report_and_the_responses_are_found_by_their_readers(
    world: Any,
    officer: Any,
    secretariat: Any,
    outsider: Any,
    other_officer: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world.advance("reported", officer=officer, secretariat=secretariat)
        item = outcome_services.items_to_answer(world.consultation).get()
        response = outcome_services.response_record(
            actor=officer,
            item=item,
            result="partly_accepted",
            explanation="Bổ sung hai bãi đỗ xe tại khu Giáp Bát.",
        )
    report = world.consultation.generated_documents.get(kind="report")
    assert ("report", report.pk) in _found(search("co ban dap ung yeu cau", user=secretariat))
    assert ("report", report.pk) in _found(search("co ban dap ung yeu cau", user=officer))
    assert _found(search("giap bat", user=officer)) == {("response", response.pk)}
    assert _found(search("giap bat", user=secretariat)) == {("response", response.pk)}
    for user in (outsider, other_officer):
        assert search("co ban dap ung yeu cau", user=user).total == 0
        assert search("giap bat", user=user).total == 0


def test_an_amended_opinion_replaces_the_earlier_revision_in_the_index(
    review: dict[str, Any],
    expert_user: Any,
    secretariat: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = review["submitted"]
    with django_capture_on_commit_callbacks(execute=True):
        amendment = opinion_services.opinion_amend(actor=expert_user, opinion=first)
        opinion_services.opinion_item_add(
            actor=expert_user,
            opinion=amendment,
            lock_version=amendment.lock_version,
            content="Bổ sung cầu đi bộ qua đường Giải Phóng.",
        )
        assert _found(search("giai phong", user=expert_user)) == set()
        submit(expert_user, amendment)
    assert _found(search("bai do xe ngam", user=secretariat)) == {("opinion", amendment.pk)}
    assert _found(search("giai phong", user=secretariat)) == {("opinion", amendment.pk)}


def test_the_reindex_command_round_trip_includes_consultation_kinds(
    world: Any,
    officer: Any,
    secretariat: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world.advance("reported", officer=officer, secretariat=secretariat)
        item = outcome_services.items_to_answer(world.consultation).get()
        outcome_services.response_record(actor=officer, item=item, result="accepted")
    kinds = ("opinion", "report", "response")
    before = set(SearchEntry.objects.filter(type__in=kinds).values_list("type", "object_id"))
    assert {kind for kind, _pk in before} == set(kinds)
    for kind, pk in before:
        remove_pk_now(kind, pk)
    assert search("bai do xe cong cong", user=secretariat).total == 0

    out = StringIO()
    call_command("reindex", stdout=out)
    assert "opinion: 1" in out.getvalue()
    assert "report: 1" in out.getvalue()
    assert "response: 1" in out.getvalue()
    after = set(SearchEntry.objects.filter(type__in=kinds).values_list("type", "object_id"))
    assert after == before
    assert search("bai do xe cong cong", user=secretariat).total >= 1


PERSONAS = [*EVERYONE, "other_expert_user", "other_officer"]


@pytest.mark.parametrize("stage", ["in_review", "synthesizing", "reported"])
def test_the_index_filters_agree_with_the_consultation_access_rules(
    world: Any,
    officer: Any,
    secretariat: Any,
    other_expert_user: Any,
    stage: str,
    request: pytest.FixtureRequest,
) -> None:
    """``Opinion.objects.visible_to`` and ``report_visibility_q`` are the list forms of the
    per-consultation helpers; for every persona they must select the same objects."""
    from thamvan.consultations import access
    from thamvan.consultations.models import Consultation

    consultation = world.advance(stage, officer=officer, secretariat=secretariat)
    if stage == "in_review":
        write_opinion(other_expert_user, consultation, summary="Nháp.", remark="Chưa gửi.")
        chair = world.members[0][0]
        submit(chair, write_opinion(chair, consultation, summary="Gửi.", remark="Đã gửi."))
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        indexed = set(Opinion.objects.visible_to(user).values_list("pk", flat=True))
        reports = set(
            Consultation.objects.filter(access.report_visibility_q(user)).values_list(
                "pk", flat=True
            )
        )
        if Consultation.objects.visible_to(user).filter(pk=consultation.pk).exists():
            expected = set(
                access.opinions_visible_to(user, consultation)
                .filter(state=Opinion.Status.SUBMITTED)
                .values_list("pk", flat=True)
            )
            readable = access.can_read_documents(user, consultation)
        else:
            expected, readable = set(), False
        assert indexed == expected, persona
        assert reports == ({consultation.pk} if readable else set()), persona


def _record_offline(consultation: Any, secretariat: Any, count: int) -> None:
    for n in range(count):
        opinion_services.opinion_record_offline(
            actor=secretariat,
            consultation=consultation,
            source=Opinion.Source.EMAIL,
            verdict=Opinion.Verdict.AGREE_WITH_CONDITIONS,
            author_name=f"Phòng Quản lý đô thị số {n}",
            items=[opinion_services.OfflineItem(content="Bổ sung bãi đỗ xe ngầm dưới công viên.")],
        )


def test_the_query_count_of_a_search_does_not_grow_with_opinions(
    review: dict[str, Any],
    secretariat: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    consultation = review["world"].consultation
    with django_capture_on_commit_callbacks(execute=True):
        _record_offline(consultation, secretariat, 1)
    with CaptureQueriesContext(connection) as few:
        assert search("bai do xe ngam", user=secretariat).total == 2
    with django_capture_on_commit_callbacks(execute=True):
        _record_offline(consultation, secretariat, 8)
    with CaptureQueriesContext(connection) as many:
        assert search("bai do xe ngam", user=secretariat).total == 10
    assert len(many) == len(few)
