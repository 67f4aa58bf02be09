from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from thamvan.programme.tests.factories import ProgrammeFactory, TaskFactory


@pytest.fixture
def programme(orgs: Any) -> Any:
    """The city–association programme with a department task and a ward task."""
    programme = ProgrammeFactory.create(
        code="CTHT-2021-2026",
        name="Chương trình hợp tác giai đoạn 2021–2026",
        parties=[orgs.city, orgs.association, orgs.branch],
    )
    return programme


@pytest.fixture
def department_task(programme: Any, orgs: Any) -> Any:
    return TaskFactory.create(
        programme=programme,
        code="1",
        title="Rà soát quy hoạch phân khu đô thị N9",
        lead_organization=orgs.department,
        start=date(2024, 1, 1),
        deadline=date(2030, 6, 30),
    )


@pytest.fixture
def ward_task(programme: Any, orgs: Any) -> Any:
    return TaskFactory.create(
        programme=programme,
        code="2",
        title="Lấy ý kiến cộng đồng phường Hoàn Kiếm",
        lead_organization=orgs.ward,
        start=date(2024, 1, 1),
        deadline=date(2030, 6, 30),
    )
