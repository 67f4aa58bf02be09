from __future__ import annotations

import pytest

from thamvan.matching.instance import (
    Conflict,
    Expert,
    Instance,
    InstanceError,
    Request,
    index_instance,
    load_instance,
    parse_instance,
)


def test_defaults_and_optional_fields() -> None:
    instance = parse_instance(
        {"experts": [{"id": "e1", "capacity": 2}], "requests": [{"id": "r1", "panel_size": 1}]}
    )
    (expert,) = instance.experts
    assert expert == Expert("e1", 2)
    assert (expert.organization, expert.senior, expert.available, expert.open_panels) == (
        None,
        False,
        True,
        0,
    )
    assert instance.requests == (Request("r1", 1),)
    assert len(instance.affinity) == 0 and instance.conflicts == ()


def test_create_from_objects_validates_and_round_trips() -> None:
    instance = Instance.create(
        [Expert("e1", 1, "o1", True, ("a",)), Expert("e2", 1)],
        [Request("r1", 2, ("a",), 1, True)],
        [("r1", "e1", 0.5)],
        [Conflict("r1", "e2", "family")],
    )
    assert instance.affinity_of("r1") == {"e1": 0.5}
    again = parse_instance(instance.to_json())
    assert again.experts == instance.experts and again.requests == instance.requests
    with pytest.raises(InstanceError, match=r"affinity\[0\]: unknown expert 'e9'"):
        Instance.create([Expert("e1", 1)], [Request("r1", 1)], [("r1", "e9", 0.5)])


def test_assemble_builds_what_create_builds_without_the_json_round_trip() -> None:
    parts = (
        [Expert("e1", 1, "o1", True, ("a",)), Expert("e2", 1)],
        [Request("r1", 2, ("a",), 1, True)],
        [("r1", "e1", 0.5)],
        [Conflict("r1", "e2", "family")],
    )
    assembled, created = Instance.assemble(*parts), Instance.create(*parts)
    assert assembled.to_json() == created.to_json()
    assert assembled.expert_index == created.expert_index
    assert index_instance(assembled).cand_expert.tolist() == [0]
    with pytest.raises(InstanceError, match=r"unknown pair \(request 'r1', expert 'e9'\)"):
        Instance.assemble([Expert("e1", 1)], [Request("r1", 1)], [("r1", "e9", 0.5)])
    with pytest.raises(InstanceError, match=r"duplicate id 'e1'"):
        Instance.assemble([Expert("e1", 1), Expert("e1", 1)], [Request("r1", 1)])


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "instance: expected a JSON object, got a list"),
        ({"experts": {}, "requests": []}, "instance: experts must be a list"),
        ({"experts": [3], "requests": []}, "experts[0]: expected an object, got the number 3"),
        ({"experts": [{"capacity": 1}], "requests": []}, "experts[0]: missing required field 'id'"),
        (
            {"experts": [{"id": "e1", "capacity": True}], "requests": []},
            "experts[0] (id 'e1'): capacity must be a non-negative integer, got a boolean",
        ),
        (
            {"experts": [{"id": "e1", "capacity": 1, "specialties": "a"}], "requests": []},
            "experts[0] (id 'e1'): specialties must be a list of strings",
        ),
        (
            {
                "experts": [],
                "requests": [{"id": "r1", "panel_size": 2, "max_per_organization": 0}],
            },
            "requests[0] (id 'r1'): max_per_organization must be a positive integer",
        ),
        (
            {
                "experts": [{"id": "e1", "capacity": 1}],
                "requests": [{"id": "r1", "panel_size": 1}],
                "affinity": [{"request": "r1", "expert": "e1", "score": "high"}],
            },
            "affinity[0]: score must be a number between 0 and 1000, got the string 'high'",
        ),
        (
            {
                "experts": [{"id": "e1", "capacity": 1}],
                "requests": [{"id": "r1", "panel_size": 1}],
                "affinity": [{"request": "r1", "expert": "e1"}],
            },
            "affinity[0]: missing required field 'score'",
        ),
        (
            {
                "experts": [{"id": "e1", "capacity": 1}],
                "requests": [{"id": "r1", "panel_size": 1}],
                "conflicts": [{"request": "r1"}],
            },
            "conflicts[0]: missing required field 'expert'",
        ),
        (
            {
                "experts": [{"id": "e1", "capacity": 1}],
                "requests": [{"id": "r1", "panel_size": 1}, {"id": "r1", "panel_size": 1}],
            },
            "requests[1] (id 'r1'): duplicate id 'r1' (first at requests[0])",
        ),
    ],
)
def test_errors_name_the_entry(doc: object, message: str) -> None:
    with pytest.raises(InstanceError) as info:
        parse_instance(doc)
    assert str(info.value).startswith(message)


def test_invalid_json() -> None:
    with pytest.raises(InstanceError, match="invalid JSON at line 2 column 2: Extra data"):
        load_instance('{"experts": []\n}x')


def test_indexed_candidates_skip_conflicts_zero_scores_and_unavailable() -> None:
    instance = parse_instance(
        {
            "experts": [
                {"id": "a", "capacity": 1},
                {"id": "b", "capacity": 1},
                {"id": "c", "capacity": 1, "available": False},
                {"id": "d", "capacity": 1},
                {"id": "e", "capacity": 1},
            ],
            "requests": [{"id": "r1", "panel_size": 1}],
            "affinity": [
                {"request": "r1", "expert": "a", "score": 0.2},
                {"request": "r1", "expert": "b", "score": 0.9},
                {"request": "r1", "expert": "c", "score": 0.9},
                {"request": "r1", "expert": "d", "score": 0},
                {"request": "r1", "expert": "e", "score": 0.2},
            ],
            "conflicts": [{"request": "r1", "expert": "e", "reason": "x"}],
        }
    )
    ix = index_instance(instance)
    experts, units = ix.candidates_of(0)
    assert experts.tolist() == [1, 0]
    assert units.tolist() == [900_000, 200_000]
