from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from thamvan.consultations.models import Consultation
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import ExpertFactory


@dataclass
class World:
    consultation: Consultation
    expert: Any
    other_expert: Any
    members: list[tuple[Any, Any]]

    def advance(self, to: str, *, officer: Any, secretariat: Any) -> Consultation:
        self.consultation = advance(
            self.consultation, to, officer=officer, secretariat=secretariat, members=self.members
        )
        return self.consultation


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(orgs: Any, officer: Any, expert_user: Any, other_expert_user: Any) -> World:
    """A draft consultation of the officer's department, sent to the association, and the
    two persona experts with registry profiles (the first is senior)."""
    dossier = DossierFactory.create(lead_agency=orgs.department, name="Quy hoạch phân khu N9")
    consultation = ConsultationFactory.create(dossier=dossier, association=orgs.association)
    expert = ExpertFactory.create(
        user=expert_user,
        full_name="Trần Quốc Bảo",
        academic_rank="PGS",
        degree="TS",
        specialties=["giao-thong"],
    )
    other = ExpertFactory.create(user=other_expert_user, full_name="Lê Thị Mai", degree="KTS")
    return World(consultation, expert, other, [(expert_user, expert), (other_expert_user, other)])


from thamvan.consultations.tests.discussion_world import panel  # noqa: E402, F401
from thamvan.consultations.tests.link_world import guest  # noqa: E402, F401
