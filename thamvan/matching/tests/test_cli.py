from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]

VALID: dict[str, Any] = {
    "experts": [
        {
            "id": "e1",
            "organization": "o1",
            "senior": True,
            "capacity": 2,
            "specialties": ["giao-thong", "ha-tang-ky-thuat"],
        },
        {"id": "e2", "organization": "o2", "capacity": 1, "specialties": ["giao-thong"]},
        {"id": "e3", "organization": "o2", "capacity": 2, "specialties": ["kien-truc"]},
        {"id": "e4", "organization": "o3", "capacity": 1},
    ],
    "requests": [
        {
            "id": "r1",
            "panel_size": 2,
            "required_specialties": ["giao-thong"],
            "max_per_organization": 1,
            "needs_senior": True,
        },
        {"id": "r2", "panel_size": 2, "required_specialties": ["kien-truc"]},
    ],
    "affinity": [
        {"request": "r1", "expert": "e1", "score": 0.71},
        {"request": "r1", "expert": "e3", "score": 0.4},
        {"request": "r2", "expert": "e3", "score": 0.9},
        {"request": "r2", "expert": "e2", "score": 0.2},
    ],
    "conflicts": [{"request": "r2", "expert": "e1", "reason": "employed by the consultant"}],
}


def run(tmp_path: Path, payload: str, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "instance.json"
    path.write_text(payload, encoding="utf-8")
    command = args or ("solve",)
    return subprocess.run(
        [sys.executable, "-m", "thamvan.matching", command[0], str(path), *command[1:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_valid_instance(tmp_path: Path) -> None:
    result = run(tmp_path, json.dumps(VALID))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["status"] == "optimal"
    assert out["objective"] == out["bound"] == pytest.approx(0.71 + 0.4 + 0.9 + 0.2)
    assert out["assignments"] == [
        {"request": "r1", "experts": ["e1", "e3"], "score": 1.11},
        {"request": "r2", "experts": ["e2", "e3"], "score": 1.1},
    ]
    assert out["explanations"] == []


def test_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first = run(tmp_path, json.dumps(VALID)).stdout
    assert first and run(tmp_path, json.dumps(VALID)).stdout == first


def test_infeasible_batch_exits_zero_with_explanations(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(VALID))
    doc["requests"][1]["panel_size"] = 9
    result = run(tmp_path, json.dumps(doc))
    assert result.returncode == 0
    out = json.loads(result.stdout)
    assert out["status"] == "infeasible"
    assert out["explanations"][0]["request"] == "r2"
    assert out["explanations"][0]["constraint"] == "panel_size"


def _broken(path: list[Any], value: Any) -> str:
    doc = json.loads(json.dumps(VALID))
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            _broken(["experts", 1, "capacity"], KeyError),
            "experts[1] (id 'e2'): missing required field 'capacity'",
        ),
        (
            _broken(["requests", 1, "panel_size"], "2"),
            "requests[1] (id 'r2'): panel_size must be a positive integer, got the string '2'",
        ),
        (
            _broken(["requests", 0, "panel_size"], 0),
            "requests[0] (id 'r1'): panel_size must be a positive integer",
        ),
        (
            _broken(["experts", 0, "senior"], "yes"),
            "experts[0] (id 'e1'): senior must be true or false",
        ),
        (_broken(["affinity", 2, "expert"], "e99"), "affinity[2]: unknown expert 'e99'"),
        (_broken(["conflicts", 0, "request"], "r9"), "conflicts[0]: unknown request 'r9'"),
        (
            _broken(["affinity", 1, "score"], -0.5),
            "affinity[1]: score must be a number between 0 and 1000",
        ),
        (
            _broken(["affinity", 3], {"request": "r1", "expert": "e1", "score": 0.2}),
            "affinity[3]: duplicate pair (request 'r1', expert 'e1'); first at affinity[0]",
        ),
        (
            _broken(["experts", 2, "id"], "e1"),
            "experts[2] (id 'e1'): duplicate id 'e1' (first at experts[0])",
        ),
        (_broken(["requests"], KeyError), "instance: missing required field 'requests'"),
        ('{"experts": [', "invalid JSON at line 1 column 14"),
    ],
)
def test_malformed_instance_exits_2_naming_the_entry(
    tmp_path: Path, payload: str, message: str
) -> None:
    result = run(tmp_path, payload)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "thamvan.matching", "solve", str(tmp_path / "absent.json")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_recommend_command(tmp_path: Path) -> None:
    result = run(tmp_path, json.dumps(VALID), "recommend", "--request", "r2", "--limit", "2")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert [r["expert"] for r in out["ranked"]] == ["e3", "e2"]
    assert out["excluded"][0]["expert"] == "e1"
    assert out["excluded"][0]["reasons"][0]["code"] == "conflict"


def test_recommend_unknown_request(tmp_path: Path) -> None:
    result = run(tmp_path, json.dumps(VALID), "recommend", "--request", "nope")
    assert result.returncode == 2
    assert "unknown request 'nope'" in result.stderr


def test_package_does_not_import_django() -> None:
    code = (
        "import sys, thamvan.matching, thamvan.matching.affinity, thamvan.matching.__main__; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 0
