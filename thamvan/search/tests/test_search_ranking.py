"""Ranking, snippets and facets; the expected orders are the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from thamvan.dossiers.models import Confidentiality, Dossier
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import ExpertFactory
from thamvan.search import query
from thamvan.search.backends import get_backend
from thamvan.search.indexing import reindex
from thamvan.search.models import SearchEntry
from thamvan.search.query import Filters, search, similar

pytestmark = pytest.mark.django_db


def _dossier(code: str, name: str, description: str, **extra: Any) -> Dossier:
    extra.setdefault("confidentiality", Confidentiality.PUBLIC)
    dossier: Any = DossierFactory(code=code, name=name, description=description, **extra)
    return dossier


@pytest.fixture
def corpus(orgs: Any) -> dict[str, Dossier]:
    dossiers = {
        "accented": _dossier("D-1", "Cải tạo khu tập thể", "Nằm trong phường Hoà Bình."),
        "plain": _dossier("D-2", "Cai tao khu nha o", "Nam trong phuong Hoa Binh."),
        "phrase": _dossier("D-3", "Mạng lưới đường sắt", "Giao thông công cộng bằng đường sắt."),
        "scattered": _dossier(
            "D-4", "Không gian xanh", "Giao lưu văn hoá, thông tin; vườn hoa công cộng."
        ),
        "title": _dossier("D-5", "Giao thông công cộng Hà Nội", "Đề án tổng thể."),
        "old": _dossier("D-6", "Bến xe Giáp Bát", "Di dời bến xe liên tỉnh."),
        "new": _dossier("D-7", "Bến xe Yên Nghĩa", "Di dời bến xe liên tỉnh."),
    }
    Dossier.objects.filter(pk=dossiers["old"].pk).update(
        updated_at=timezone.now() - timedelta(days=400)
    )
    reindex()
    return dossiers


def _order(query: str, user: Any) -> list[int]:
    return [hit.entry.object_id for hit in search(query, user=user).hits]


def test_a_match_with_the_accents_typed_ranks_above_a_folded_one(
    corpus: dict[str, Dossier], leadership: Any
) -> None:
    assert _order("phường Hoà Bình", leadership) == [corpus["accented"].pk, corpus["plain"].pk]
    assert _order("phuong hoa binh", leadership) == [corpus["plain"].pk, corpus["accented"].pk]
    # Old tone placement counts as the accents typed: it is the same spelling.
    assert _order("phường Hòa Bình", leadership) == [corpus["accented"].pk, corpus["plain"].pk]


def test_the_title_then_the_phrase_then_scattered_words(
    corpus: dict[str, Dossier], leadership: Any
) -> None:
    assert _order("giao thông công cộng", leadership) == [
        corpus["title"].pk,
        corpus["phrase"].pk,
        corpus["scattered"].pk,
    ]


def test_recency_breaks_ties(corpus: dict[str, Dossier], leadership: Any) -> None:
    assert _order("di dời bến xe", leadership) == [corpus["new"].pk, corpus["old"].pk]


def test_snippets_mark_matches_and_escape_the_text(orgs: Any, leadership: Any) -> None:
    _dossier("D-9", "Quy hoạch <script>", "Tiêu chí <b>cây xanh</b> & mặt nước của đô thị.")
    reindex(["dossier"])
    hit = search("cay xanh", user=leadership).hits[0]
    assert "<mark>cây</mark> <mark>xanh</mark>" in str(hit.snippet_html)
    assert "&lt;b&gt;" in str(hit.snippet_html)
    assert "&amp;" in str(hit.snippet_html)
    assert "<script>" not in str(hit.title_html)
    assert "<b>" not in str(hit.snippet_html)


def test_a_long_text_gives_the_passage_around_the_matches(orgs: Any, leadership: Any) -> None:
    filler = "Nội dung chung về quản lý phát triển đô thị. " * 80
    _dossier("D-10", "Báo cáo dài", filler + "Bãi đỗ xe ngầm dưới công viên Thống Nhất. " + filler)
    reindex(["dossier"])
    snippet = str(search("bai do xe ngam", user=leadership).hits[0].snippet_html)
    assert snippet.startswith("… ")
    assert "<mark>ngầm</mark>" in snippet
    assert len(snippet) < 400


def test_facets_count_each_value_and_filters_narrow(orgs: Any, leadership: Any) -> None:
    _dossier("F-1", "Hạ tầng kỹ thuật khu A", "", kind="zoning_plan", lead_agency=orgs.department)
    _dossier("F-2", "Hạ tầng kỹ thuật khu B", "", kind="zoning_plan", lead_agency=orgs.ward)
    _dossier("F-3", "Hạ tầng kỹ thuật khu C", "", kind="detailed_plan", lead_agency=orgs.ward)
    ExpertFactory(full_name="Trần Hạ Tầng", keywords="hạ tầng kỹ thuật")
    reindex()
    results = search("ha tang ky thuat", user=leadership)
    assert results.total == 4
    assert {f.value: f.count for f in results.facets["type"]} == {"dossier": 3, "expert": 1}
    assert {f.value: f.count for f in results.facets["kind"]} == {
        "zoning_plan": 2,
        "detailed_plan": 1,
    }
    organizations = {f.value: f.count for f in results.facets["organization"]}
    assert organizations[str(orgs.ward.pk)] == 2
    narrowed = search("ha tang ky thuat", user=leadership, filters=Filters(kind="zoning_plan"))
    assert narrowed.total == 2
    # The kind facet still offers the other kinds while one is chosen.
    assert {f.value for f in narrowed.facets["kind"]} == {"zoning_plan", "detailed_plan"}
    assert [f.selected for f in narrowed.facets["kind"] if f.value == "zoning_plan"] == [True]


def test_similar_finds_texts_sharing_phrases_and_respects_access(
    orgs: Any, officer: Any, outsider: Any
) -> None:
    near = _dossier(
        "S-1", "Cây xanh đô thị", "Bổ sung cây xanh đường phố và hồ điều hoà ở Gia Lâm."
    )
    _dossier("S-2", "Chợ đầu mối", "Chợ nông sản phía nam.")
    hidden = _dossier(
        "S-3",
        "Cây xanh ven sông",
        "Cây xanh đường phố và hồ điều hoà ven sông Hồng.",
        confidentiality=Confidentiality.RESTRICTED,
        lead_agency=orgs.department,
    )
    reindex(["dossier"])
    text = "Đề nghị tăng cây xanh đường phố, giữ hồ điều hoà."
    assert [h.entry.object_id for h in similar(text, user=officer)] == [hidden.pk, near.pk]
    assert [h.entry.object_id for h in similar(text, user=outsider)] == [near.pk]
    assert similar(text, user=officer, exclude=("dossier", hidden.pk))[0].entry.object_id == near.pk
    assert SearchEntry.objects.count() == 3


def test_a_whole_word_ranks_above_a_word_it_begins(orgs: Any, leadership: Any) -> None:
    whole = _dossier("W-1", "Quy chế quản lý kiến trúc", "")
    begun = _dossier("W-2", "Quyết định phê duyệt", "")
    Dossier.objects.filter(pk=whole.pk).update(updated_at=timezone.now() - timedelta(days=30))
    reindex(["dossier"])
    assert _order("quy", leadership) == [whole.pk, begun.pk]


def test_pages_follow_the_ranking_across_tiers(corpus: dict[str, Dossier], leadership: Any) -> None:
    results = search("giao thông công cộng", user=leadership)
    everything = [hit.entry.object_id for hit in results.hits]
    assert len(everything) == 3
    assert [hit.score for hit in results.hits] == sorted(
        (hit.score for hit in results.hits), reverse=True
    )
    paged = [
        hit.entry.object_id
        for offset in range(4)
        for hit in search("giao thông công cộng", user=leadership, limit=1, offset=offset).hits
    ]
    assert paged == everything
    assert search("giao thông công cộng", user=leadership, limit=1).total == 3


def test_counting_stops_at_the_limit_and_says_so(
    corpus: dict[str, Dossier], leadership: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query, "COUNT_LIMIT", 1)
    results = search("di dời bến xe", user=leadership, limit=1)
    assert (results.total, results.total_capped) == (1, True)
    assert [hit.entry.object_id for hit in results.hits] == [corpus["new"].pk]
    second = search("di dời bến xe", user=leadership, limit=1, offset=1)
    assert [hit.entry.object_id for hit in second.hits] == [corpus["old"].pk]
    # A full list needs no count, and is exact.
    monkeypatch.setattr(query, "COUNT_LIMIT", 2)
    assert not search("di dời bến xe", user=leadership, limit=1).total_capped


def test_facets_count_a_sample_when_there_are_more_matches(
    corpus: dict[str, Dossier], leadership: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = search("di dời bến xe", user=leadership)
    assert not results.facets_approximate
    assert sum(f.count for f in results.facets["type"]) == 2
    monkeypatch.setattr(query, "FACET_SAMPLE", 1)
    sampled = search("di dời bến xe", user=leadership)
    assert sampled.facets_approximate
    assert sampled.total == 2
    assert [(f.value, f.count) for f in sampled.facets["type"]] == [("dossier", 1)]
    years = {corpus["new"].created_at.year}
    assert {int(f.value) for f in sampled.facets["year"]} == years


@pytest.mark.parametrize("window", [1, 3, 100])
def test_looking_among_the_newest_keys_first_changes_no_result(
    corpus: dict[str, Dossier], leadership: Any, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    def outcome() -> list[Any]:
        results = [
            search(text, user=leadership, limit=limit)
            for text in ("di dời bến xe", "giao thông công cộng", "phường Hoà Bình", "cai tao")
            for limit in (1, 2, 20)
        ]
        return [
            (
                [hit.entry.pk for hit in r.hits],
                r.total,
                {name: [(f.value, f.count) for f in values] for name, values in r.facets.items()},
            )
            for r in results
        ]

    expected = outcome()
    # Every match taken for common: PostgreSQL looks in the window of the newest
    # keys first, and falls back to the whole index when it holds too few.
    monkeypatch.setattr(type(get_backend()), "common", lambda self, match: 1.0)
    monkeypatch.setattr(query, "WINDOW", window)
    assert outcome() == expected
