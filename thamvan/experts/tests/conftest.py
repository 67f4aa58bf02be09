from __future__ import annotations

import pytest

from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import ExpertFactory


@pytest.fixture
def expert(expert_user: object) -> Expert:
    """The registry record of the `expert_user` persona."""
    return ExpertFactory.create(
        user=expert_user,
        full_name="Trần Quốc Bảo",
        academic_rank="PGS",
        degree="TS",
        membership_number="HV-0001",
        email="expert@example.vn",
        phone="0912 345 678",
        specialties=["giao-thong", "ha-tang-ky-thuat"],
    )


@pytest.fixture
def other_expert(other_expert_user: object) -> Expert:
    return ExpertFactory.create(
        user=other_expert_user,
        full_name="Lê Thị Mai",
        degree="KTS",
        membership_number="HV-0002",
        email="expert2@example.vn",
        specialties=["kien-truc"],
    )


@pytest.fixture
def invited_expert(db: None) -> Expert:
    """An invited specialist without an account."""
    return ExpertFactory.create(
        user=None,
        full_name="Nguyễn Văn Hùng",
        academic_rank="GS",
        degree="TSKH",
        membership_number="",
        email="hung@example.vn",
        specialties=["dia-ky-thuat"],
    )


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path: object) -> object:
    """Keep uploaded import files out of the project's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined, operator]
    return settings.MEDIA_ROOT  # type: ignore[attr-defined]
