"""Nothing a user may not see reaches them: not in results, snippets, counts or facets."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from thamvan.core.tests.samples import docx_bytes
from thamvan.dossiers.models import Confidentiality, Document
from thamvan.dossiers.tests.factories import DocumentFactory, DossierFactory, DossierVersionFactory
from thamvan.search import query
from thamvan.search.indexing import reindex
from thamvan.search.query import Filters, search

pytestmark = pytest.mark.django_db

SECRET_WORD = "Vườn Chuối"


@pytest.fixture
def dossiers(orgs: Any) -> dict[str, Any]:
    restricted = DossierFactory(
        code="QHCT-SB-MAT",
        name="Quy hoạch chi tiết cảng hàng không Gia Lâm",
        description=f"Phương án mật: di dời khu {SECRET_WORD}.",
        kind="detailed_plan",
        lead_agency=orgs.department,
        confidentiality=Confidentiality.RESTRICTED,
    )
    public = DossierFactory(
        code="QHPK-SB",
        name="Quy hoạch phân khu cảng hàng không Nội Bài",
        description="Công bố rộng rãi.",
        kind="zoning_plan",
        lead_agency=orgs.ward,
        confidentiality=Confidentiality.PUBLIC,
    )
    version = DossierVersionFactory(dossier=restricted)
    document = DocumentFactory(
        version=version,
        title="Thuyết minh phương án",
        original_filename="thuyet-minh.docx",
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        content=docx_bytes(text=f"Bản thuyết minh về cảng hàng không và khu {SECRET_WORD}."),
    )
    reindex()
    return {"restricted": restricted, "public": public, "document": document}


def _everything(results: Any) -> str:
    shown = [str(h.title_html) + str(h.snippet_html) for h in results.hits]
    shown += [
        f"{f.value}:{f.label}:{f.count}" for values in results.facets.values() for f in values
    ]
    return " ".join(shown)


def test_the_lead_agency_officer_finds_the_restricted_dossier_and_its_document(
    dossiers: dict[str, Any], officer: Any
) -> None:
    results = search("cảng hàng không", user=officer)
    found = {(h.entry.type, h.entry.object_id) for h in results.hits}
    assert ("dossier", dossiers["restricted"].pk) in found
    assert ("document", dossiers["document"].pk) in found
    assert results.total == 3
    assert search("vuon chuoi", user=officer).total == 2


@pytest.mark.parametrize("persona", ["outsider", "other_officer", "expert_user"])
def test_others_never_see_the_restricted_dossier(
    dossiers: dict[str, Any], persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    results = search("cảng hàng không", user=user)
    assert [(h.entry.type, h.entry.object_id) for h in results.hits] == [
        ("dossier", dossiers["public"].pk)
    ]
    assert results.total == 1
    assert results.facets["type"][0].count == 1
    assert sum(f.count for f in results.facets["kind"]) == 1
    shown = _everything(results)
    assert "Gia Lâm" not in shown
    assert "Chuối" not in shown
    assert "detailed_plan" not in shown
    empty = search(SECRET_WORD, user=user)
    assert empty.total == 0
    assert empty.hits == []
    assert all(values == [] for values in empty.facets.values())


def test_a_facet_filter_cannot_reveal_a_restricted_entry(
    dossiers: dict[str, Any], other_officer: Any, orgs: Any
) -> None:
    filters = Filters(organization=orgs.department.pk)
    results = search("cảng hàng không", user=other_officer, filters=filters)
    assert results.total == 0
    assert results.hits == []
    assert [f.value for f in results.facets["organization"]] == [str(orgs.ward.pk)]


def test_a_change_of_confidentiality_takes_effect_without_reindexing(
    dossiers: dict[str, Any], other_officer: Any
) -> None:
    restricted = dossiers["restricted"]
    restricted.confidentiality = Confidentiality.INTERNAL
    restricted.save(update_fields=["confidentiality"])
    found = {h.entry.object_id for h in search("Gia Lâm", user=other_officer).hits}
    assert restricted.pk in found


def test_an_anonymous_user_finds_nothing(dossiers: dict[str, Any]) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert search("cảng hàng không", user=AnonymousUser()).total == 0  # type: ignore[arg-type]


def test_the_document_text_is_indexed_from_the_file(
    dossiers: dict[str, Any], admin_user: Any
) -> None:
    document: Document = dossiers["document"]
    hits = search("ban thuyet minh", user=admin_user, filters=Filters(type="document")).hits
    assert [h.entry.object_id for h in hits] == [document.pk]
    assert "<mark>Bản</mark> <mark>thuyết</mark> <mark>minh</mark>" in str(hits[0].snippet_html)


def test_a_damaged_file_is_indexed_by_its_title(dossiers: dict[str, Any], admin_user: Any) -> None:
    document = dossiers["document"]
    storage = document.file.storage
    storage.delete(document.file.name)
    storage.save(document.file.name, ContentFile(b"PK\x03\x04 not really a docx"))
    reindex(["document"])
    assert search("phương án", user=admin_user, filters=Filters(type="document")).total == 1
    assert search(SECRET_WORD, user=admin_user, filters=Filters(type="document")).total == 0


def test_capped_counts_and_sampled_facets_count_only_what_the_user_may_see(
    dossiers: dict[str, Any], officer: Any, other_officer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query, "COUNT_LIMIT", 1)
    monkeypatch.setattr(query, "FACET_SAMPLE", 1)
    # One result per page forces the bounded count and the facet sample to run.
    hidden = search("cảng hàng không", user=other_officer, limit=1)
    assert (hidden.total, hidden.total_capped, hidden.facets_approximate) == (1, False, False)
    assert "Gia Lâm" not in _everything(hidden)
    assert [f.value for f in hidden.facets["type"]] == ["dossier"]
    shown = search("cảng hàng không", user=officer, limit=1)
    assert (shown.total, shown.total_capped, shown.facets_approximate) == (1, True, True)
