"""Ranking, snippets and facets; the expected orders are the same on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from thamvan.dossiers.models import Confidentiality, Dossier
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import ExpertFactory
from thamvan.search import backends, query
from thamvan.search.backends import Condition, Match, get_backend
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


def test_a_word_typed_whole_ranks_above_the_words_it_begins(orgs: Any, leadership: Any) -> None:
    whole = _dossier("W-1", "Bản đồ Hà Nội", "Ghi chú.")
    begun = _dossier("W-2", "Bản vẽ hải cảng", "Ghi chú.")
    # The whole word is older: within one tier the newer would come first.
    Dossier.objects.filter(pk=whole.pk).update(updated_at=timezone.now() - timedelta(days=30))
    reindex()
    assert _order("ban ha", leadership) == [whole.pk, begun.pk]
    assert _order("ban hai", leadership) == [begun.pk]


@pytest.fixture
def fine_recency(monkeypatch: pytest.MonkeyPatch) -> None:
    # Recency blocks of one second and up, so that windows fall between entries
    # indexed moments apart.
    monkeypatch.setattr(backends, "RECENCY_SHIFTS", tuple(range(0, 40, 4)))


@pytest.mark.parametrize("sample", [2, 1000])
@pytest.mark.parametrize(("share", "windows"), [(1.0, 2), (0.7, 1)])
def test_looking_among_the_newest_entries_first_changes_no_result(
    fine_recency: None,
    corpus: dict[str, Dossier],
    leadership: Any,
    monkeypatch: pytest.MonkeyPatch,
    share: float,
    windows: int,
    sample: int,
) -> None:
    def outcome() -> list[Any]:
        results = [
            search(text, user=leadership, limit=limit, with_facets=facets)
            for text in ("di dời bến xe", "giao thông công cộng", "phường Hoà Bình", "cai tao")
            for limit in (1, 2, 20)
            for facets in (True, False)
        ]
        return [
            (
                [hit.entry.pk for hit in r.hits],
                r.total,
                r.total_capped,
                {name: [(f.value, f.count) for f in values] for name, values in r.facets.items()},
            )
            for r in results
        ]

    # Small counts and samples, so that windows are tried for them too.
    monkeypatch.setattr(query, "COUNT_LIMIT", sample)
    monkeypatch.setattr(query, "FACET_SAMPLE", sample)
    backend = get_backend()
    if connection.vendor == "postgresql":
        monkeypatch.setattr(type(backend), "share", lambda self, match: 0.0)
    expected = outcome()
    if connection.vendor == "postgresql":
        # Windows taken as likely to hold enough: PostgreSQL looks in each in
        # turn, and in the whole index when they hold too few.
        monkeypatch.setattr(type(backend), "share", lambda self, match: share)
        match = Match((Condition("folded", ("ben", "xe")),))
        assert len(backend.windows(match, 1, backend.recency())) >= windows + 1
    assert outcome() == expected


def test_recency_blocks_nest_from_one_shift_to_the_next() -> None:
    for rank in (0, 1, 65_535, 65_536, 1_764_115_200, 2**37 + 12_345):
        lexemes = backends.rank_lexemes(rank)
        shifts = backends.RECENCY_SHIFTS
        assert lexemes == [f"#{shift}:{rank >> shift}" for shift in shifts]
        # Each block lies inside one block of the next shift.
        for finer, coarser in itertools.pairwise(shifts):
            assert (rank >> finer) >> (coarser - finer) == rank >> coarser


@pytest.mark.skipif(connection.vendor != "postgresql", reason="windows are PostgreSQL's")
def test_a_window_holds_exactly_the_entries_from_its_bound_on(
    fine_recency: None, corpus: dict[str, Dossier], monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = get_backend()
    monkeypatch.setattr(type(backend), "share", lambda self, match: 1.0)
    windows = backend.windows(Match((Condition("folded", ("ben", "xe")),)), 1, backend.recency())
    assert windows[-1] is None
    assert len(windows) >= 3
    with connection.cursor() as cursor:
        for window in windows[:-1]:
            assert window is not None
            tokens = " | ".join(f"'{token}'" for token in window.tokens)
            cursor.execute(f"SELECT rank FROM {backend.table} WHERE keys @@ %s::tsquery", [tokens])
            held = sorted(rank for (rank,) in cursor.fetchall())
            newer = SearchEntry.objects.filter(rank__gte=window.lowest).order_by("rank")
            assert held == list(newer.values_list("rank", flat=True))
            assert len(held) == window.size
