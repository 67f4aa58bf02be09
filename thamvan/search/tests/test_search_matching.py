"""Every spelling of a query finds the same entries (DESIGN §6, §9: 100 % recall)."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from thamvan.dossiers.models import Confidentiality
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.search.indexing import reindex
from thamvan.search.query import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(orgs: Any) -> dict[str, Any]:
    public = Confidentiality.PUBLIC
    dossiers = {
        "n9": DossierFactory(
            code="QHPK-N9",
            name="Quy hoạch phân khu đô thị N9",
            description="Khu vực phường Hòa Bình, đường Láng – Hòa Lạc; tỷ lệ 1/2000.",
            lead_agency=orgs.department,
            confidentiality=public,
        ),
        "thuy": DossierFactory(
            code="QHCT-TL",
            name="Quy hoạch chi tiết khu Thủy Lợi",
            description="Hệ thống thoát nước, thủy lợi và đê điều ven sông Đuống.",
            lead_agency=orgs.department,
            confidentiality=public,
        ),
        "dong-da": DossierFactory(
            code="TKĐT-ĐĐ",
            name="Thiết kế đô thị quận Đống Đa",
            description="Không gian công cộng dọc phố Tây Sơn.",
            lead_agency=orgs.department,
            confidentiality=public,
        ),
    }
    reindex(["dossier"])
    return dossiers


def _found(query: str, user: Any) -> list[int]:
    return sorted(hit.entry.object_id for hit in search(query, user=user).hits)


@pytest.mark.parametrize(
    ("variants", "expected"),
    [
        (["Hòa Bình", "Hoà Bình", "hoa binh", "HOÀ BÌNH", "hòa-bình"], ["n9"]),
        (["thủy lợi", "thuỷ lợi", "thuy loi", "THỦY LỢI", "thủy, lợi!"], ["thuy"]),
        (["Đống Đa", "dong da", "Dong Da", "ĐỐNG ĐA", "đống   đa"], ["dong-da"]),
        (["sông Đuống", "song duong", "Song Đuong"], ["thuy"]),
        (["Láng – Hòa Lạc", "lang hoa lac", "Láng-Hoà-Lạc"], ["n9"]),
    ],
)
def test_every_spelling_of_a_query_finds_the_same_dossiers(
    corpus: dict[str, Any], leadership: Any, variants: list[str], expected: list[str]
) -> None:
    wanted = sorted(corpus[key].pk for key in expected)
    for variant in variants:
        assert _found(variant, leadership) == wanted, variant
        decomposed = unicodedata.normalize("NFD", variant)
        assert _found(decomposed, leadership) == wanted, f"NFD {variant}"


def test_a_word_typed_halfway_finds_what_it_begins(corpus: dict[str, Any], leadership: Any) -> None:
    assert _found("thiết kế đô th", leadership) == [corpus["dong-da"].pk]


def test_a_query_needs_every_word(corpus: dict[str, Any], leadership: Any) -> None:
    assert _found("Hòa Bình Đống Đa", leadership) == []


def test_an_empty_or_punctuation_query_finds_nothing(
    corpus: dict[str, Any], leadership: Any
) -> None:
    assert search("", user=leadership).total == 0
    assert search(" –/. ", user=leadership).total == 0


def test_a_query_with_fts_syntax_is_taken_literally(
    corpus: dict[str, Any], leadership: Any
) -> None:
    for query in ['"', "quy AND OR NOT", "quy* (hoạch", "N9:*", "'; DROP TABLE", "a & b | !c"]:
        search(query, user=leadership)
    assert _found("quy hoạch N9", leadership) == [corpus["n9"].pk]
