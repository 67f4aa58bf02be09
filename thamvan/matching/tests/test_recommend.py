from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings

from thamvan.matching.recommend import recommend
from thamvan.matching.tests import instance_docs, parse

POOL: dict[str, Any] = {
    "experts": [
        {
            "id": "an",
            "organization": "o1",
            "senior": True,
            "capacity": 2,
            "open_panels": 2,
            "specialties": ["giao-thong", "ha-tang-ky-thuat"],
        },
        {"id": "binh", "organization": "o1", "capacity": 1, "specialties": ["giao-thong"]},
        {"id": "chi", "organization": "o2", "capacity": 1, "specialties": ["kien-truc"]},
        {"id": "dung", "organization": "o3", "capacity": 1, "open_panels": 1},
        {"id": "giang", "organization": "o3", "capacity": 1, "specialties": ["giao-thong"]},
        {"id": "ha", "organization": "o4", "capacity": 0, "open_panels": 4},
        {
            "id": "khoa",
            "organization": "o5",
            "capacity": 3,
            "available": False,
            "unavailable_reason": "on leave until June",
        },
        {"id": "lan", "organization": "o6", "capacity": 2, "senior": True},
    ],
    "requests": [
        {
            "id": "r1",
            "panel_size": 3,
            "required_specialties": ["giao-thong", "ha-tang-ky-thuat"],
            "max_per_organization": 1,
            "needs_senior": True,
        }
    ],
    "affinity": [
        {"request": "r1", "expert": "an", "score": 0.71},
        {"request": "r1", "expert": "binh", "score": 0.9},
        {"request": "r1", "expert": "chi", "score": 0.5},
        {"request": "r1", "expert": "dung", "score": 0.5},
        {"request": "r1", "expert": "ha", "score": 0.99},
        {"request": "r1", "expert": "lan", "score": 0.95},
    ],
    "conflicts": [{"request": "r1", "expert": "lan", "reason": "employed by the consultant"}],
}


def test_ranking_order_and_reasons() -> None:
    rec = recommend(parse(POOL), "r1")
    # binh 0.9 > an 0.71 > chi/dung 0.5 (tie: neither covers; dung has one open panel,
    # chi none) > giang 0 (covers giao-thong).
    assert [r.expert for r in rec.ranked] == ["binh", "an", "chi", "dung", "giang"]
    assert [r.rank for r in rec.ranked] == [1, 2, 3, 4, 5]
    an = rec.ranked[1]
    assert an.reason.code == "eligible"
    assert (
        an.reason.message
        == "covers giao-thong, ha-tang-ky-thuat; senior; affinity 0.71; 2 open panels"
    )
    assert an.reason.params["covers"] == ["giao-thong", "ha-tang-ky-thuat"]
    assert an.reason.params["affinity"] == 0.71
    chi = rec.ranked[2]
    assert chi.reason.message == "covers no required specialty; affinity 0.50; no open panels"


def test_excluded_experts_carry_reasons() -> None:
    rec = recommend(parse(POOL), "r1")
    excluded = {x.expert: x.reasons for x in rec.excluded}
    assert set(excluded) == {"ha", "khoa", "lan"}
    (conflict,) = excluded["lan"]
    assert conflict.code == "conflict"
    assert conflict.params == {"reason": "employed by the consultant"}
    assert conflict.message == "conflict of interest: employed by the consultant"
    (unavailable,) = excluded["khoa"]
    assert (unavailable.code, unavailable.message) == (
        "unavailable",
        "unavailable: on leave until June",
    )
    (full,) = excluded["ha"]
    assert (full.code, full.params, full.message) == (
        "at_capacity",
        {"open_panels": 4},
        "at capacity (4 open panels)",
    )


def test_suggested_panel_respects_constraints() -> None:
    rec = recommend(parse(POOL), "r1")
    # 'an' is the only eligible senior and the only ha-tang-ky-thuat holder; binh
    # shares its organisation, so the rest of the panel comes from o2 and o3.
    assert rec.suggested_panel == ("an", "chi", "dung")
    assert rec.suggested_score == 1.71
    assert rec.warnings == ()
    assert {r.expert for r in rec.ranked if r.suggested} == {"an", "chi", "dung"}


def test_limit_truncates_ranking_only() -> None:
    rec = recommend(parse(POOL), "r1", limit=2)
    assert [r.expert for r in rec.ranked] == ["binh", "an"]
    assert len(rec.excluded) == 3
    assert len(rec.suggested_panel) == 3


def test_warnings_when_constraints_cannot_be_met() -> None:
    doc = {**POOL, "conflicts": [*POOL["conflicts"], {"request": "r1", "expert": "an"}]}
    rec = recommend(parse(doc), "r1")
    codes = [w.code for w in rec.warnings]
    assert "specialty_uncovered" in codes and "no_senior" in codes
    assert "relaxed_coverage" in codes and "relaxed_senior" in codes
    uncovered = next(w for w in rec.warnings if w.code == "specialty_uncovered")
    assert uncovered.params["specialty"] == "ha-tang-ky-thuat"
    assert len(rec.suggested_panel) == 3
    assert "an" not in rec.suggested_panel


def test_to_dict_is_json_ready() -> None:
    out = recommend(parse(POOL), "r1").to_dict()
    assert out["request"] == "r1"
    assert out["ranked"][0]["reason"] == {
        "code": "eligible",
        "params": {
            "covers": ["giao-thong"],
            "affinity": 0.9,
            "senior": False,
            "open_panels": 0,
            "capacity": 1,
        },
        "message": "covers giao-thong; affinity 0.90; no open panels",
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance_docs(max_experts=20, max_requests=1))
def test_suggestion_without_warnings_is_valid(doc: dict[str, Any]) -> None:
    instance = parse(doc)
    rec = recommend(instance, "r0")
    experts = {e.id: e for e in instance.experts}
    request = instance.requests[0]
    eligible = {r.expert for r in rec.ranked}
    assert eligible.isdisjoint(x.expert for x in rec.excluded)
    assert len(eligible) + len(rec.excluded) == len(experts)
    assert set(rec.suggested_panel) <= eligible
    if rec.warnings:
        return
    panel = [experts[e] for e in rec.suggested_panel]
    assert len(panel) == request.panel_size
    held = set().union(*(set(e.specialties) for e in panel))
    assert set(request.required_specialties) <= held
    assert not request.needs_senior or any(e.senior for e in panel)
    if request.max_per_organization is not None:
        orgs = Counter(e.organization for e in panel if e.organization is not None)
        assert all(n <= request.max_per_organization for n in orgs.values())
