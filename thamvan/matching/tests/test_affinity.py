from __future__ import annotations

import pytest

from thamvan.matching.affinity import Profile, affinity_scores, affinity_table


def words(text: str) -> list[str]:
    return text.lower().split()


EXPERTS = [
    Profile("e1", "traffic planning for urban roads", ("giao-thong",)),
    Profile("e2", "drainage and sewer networks", ("ha-tang-ky-thuat",)),
    Profile("e3", "urban roads and drainage", ("giao-thong", "ha-tang-ky-thuat")),
    Profile("e4", "", ()),
]


def test_blend_of_coverage_and_text() -> None:
    request = Profile("r1", "urban roads", ("giao-thong", "ha-tang-ky-thuat"))
    scores = affinity_scores(request, EXPERTS, tokenize=words)
    assert all(0.0 <= s <= 1.0 and round(s, 4) == s for s in scores)
    # e3 covers both specialties and shares both words; e4 shares nothing.
    assert scores[2] == max(scores)
    assert scores[3] == 0.0
    assert scores[0] > scores[1]


def test_specialty_coverage_share_alone() -> None:
    request = Profile("r1", "", ("giao-thong", "ha-tang-ky-thuat"))
    assert affinity_scores(request, EXPERTS, tokenize=words) == [0.5, 0.5, 1.0, 0.0]


def test_text_alone_and_identical_text_scores_one() -> None:
    request = Profile("r1", "drainage and sewer networks")
    scores = affinity_scores(request, EXPERTS, tokenize=words)
    assert scores[1] == 1.0
    assert scores[0] == 0.0


def test_weight_is_validated() -> None:
    with pytest.raises(ValueError, match="specialty_weight"):
        affinity_scores(Profile("r"), EXPERTS, tokenize=words, specialty_weight=1.5)


def test_tokenizer_is_pluggable() -> None:
    calls: list[str] = []

    def spy(text: str) -> list[str]:
        calls.append(text)
        return words(text)

    affinity_scores(Profile("r1", "roads"), EXPERTS, tokenize=spy)
    assert "roads" in calls and EXPERTS[0].text in calls


def test_default_tokenizer_folds_vietnamese() -> None:
    pytest.importorskip("thamvan.search.normalize")
    experts = [Profile("e1", "Quy hoạch giao thông đô thị"), Profile("e2", "Cấp thoát nước")]
    scores = affinity_scores(Profile("r1", "quy hoach GIAO THONG"), experts)
    assert scores[0] > 0.3 and scores[1] == 0.0


def test_table_is_sparse_sorted_and_truncated() -> None:
    requests = [Profile("r1", "urban roads", ("giao-thong",)), Profile("r2", "sewer")]
    table = affinity_table(requests, EXPERTS, tokenize=words, min_score=0.0, top_k=2)
    r1 = [row for row in table if row["request"] == "r1"]
    assert [row["expert"] for row in r1] == ["e1", "e3"] or [row["expert"] for row in r1] == [
        "e3",
        "e1",
    ]
    assert r1[0]["score"] >= r1[1]["score"]
    r2 = [row for row in table if row["request"] == "r2"]
    assert [row["expert"] for row in r2] == ["e2"]
    assert all(row["score"] > 0 for row in table)
