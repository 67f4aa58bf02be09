"""Conflicts the experts declared themselves keep them off a panel, hard: one with a party
to the dossier, with the project, or with someone seated on the panel (both ways)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from thamvan.consultations.models import Invitation
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import ConflictDeclarationFactory, ExpertFactory
from thamvan.matching.services import assess_picks, recommend_panel
from thamvan.organizations.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def investor(db: None) -> Any:
    return OrganizationFactory.create(name="Công ty Cổ phần Đầu tư Phát triển Đô thị Bắc Hà")


@pytest.fixture
def consultation(orgs: Any, officer: Any, secretariat: Any, investor: Any) -> Any:
    dossier = DossierFactory.create(
        code="QHPK-N9-2026",
        lead_agency=orgs.department,
        preparing_consultant=orgs.consultant,
        investor=investor,
        name="Quy hoạch phân khu đô thị N9",
    )
    consultation = ConsultationFactory.create(
        dossier=dossier, association=orgs.association, panel_size=3
    )
    return advance(consultation, "accepted", officer=officer, secretariat=secretariat)


def _conflicts(consultation: Any) -> dict[str, list[str]]:
    """Every expert's hard conflicts on the panel page's recommendation, by name, in English."""
    with translation.override("en"):
        recommendation = recommend_panel(consultation, limit=None)
    rows: list[Any] = [*recommendation.excluded, *recommendation.ranked]
    return {
        row.expert.full_name: list(getattr(row, "conflicts", []))
        for row in rows
        if getattr(row, "conflicts", [])
    }


def _seat(consultation: Any, expert: Expert) -> None:
    Invitation.objects.create(consultation=consultation, expert=expert)


@pytest.mark.parametrize(
    ("party", "words"),
    [
        ("investor", "the investor (Công ty Cổ phần Đầu tư Phát triển Đô thị Bắc Hà)"),
        ("consultant", "the planning consultant (Viện Quy hoạch Xây dựng Hà Nội)"),
        ("department", "the lead agency (Sở Quy hoạch - Kiến trúc Hà Nội)"),
    ],
)
def test_an_organisation_declared_that_is_a_party_to_the_dossier_is_a_hard_conflict(
    party: str, words: str, consultation: Any, orgs: Any, investor: Any
) -> None:
    organization = investor if party == "investor" else getattr(orgs, party)
    expert = ExpertFactory.create(full_name="Đỗ Khai Báo")
    ConflictDeclarationFactory.create(
        expert=expert,
        organization=organization,
        start_date=date(2019, 3, 1),
        reason="Cố vấn theo hợp đồng",
    )
    ExpertFactory.create(full_name="Lê Văn Độc Lập")

    conflicts = _conflicts(consultation)

    assert conflicts == {
        "Đỗ Khai Báo": [f"declared a conflict with {words}, since 01/03/2019: Cố vấn theo hợp đồng"]
    }
    (assessment,) = assess_picks(consultation, [expert], suggested=set())
    assert not assessment.selectable


def test_an_organisation_outside_the_dossier_is_no_conflict(consultation: Any) -> None:
    expert = ExpertFactory.create(full_name="Đỗ Khai Báo")
    ConflictDeclarationFactory.create(
        expert=expert, organization=OrganizationFactory.create(name="Viện Kiến trúc Quốc gia")
    )
    assert _conflicts(consultation) == {}


@pytest.mark.parametrize(
    "named",
    [
        {"link": True},
        {"name": "quy hoach phan khu do thi N9"},  # typed without accents
        {"name": "QHPK-N9-2026"},
    ],
    ids=["linked", "name-without-accents", "code"],
)
def test_a_project_declared_that_is_this_dossier_is_a_hard_conflict(
    named: dict[str, Any], consultation: Any
) -> None:
    expert = ExpertFactory.create(full_name="Phạm Chủ Trì")
    if named.get("link"):
        ConflictDeclarationFactory.create(
            expert=expert,
            dossier=consultation.dossier,
            start_date=date(2024, 1, 15),
            end_date=date(2025, 12, 31),
            reason="Chủ trì lập đồ án",
        )
        project = "Quy hoạch phân khu đô thị N9"
    else:
        ConflictDeclarationFactory.create(
            expert=expert,
            name=named["name"],
            start_date=date(2024, 1, 15),
            end_date=date(2025, 12, 31),
            reason="Chủ trì lập đồ án",
        )
        project = named["name"]
    ConflictDeclarationFactory.create(expert=ExpertFactory.create(), name="Khu đô thị Ecopark")

    assert _conflicts(consultation) == {
        "Phạm Chủ Trì": [
            f"declared a conflict with the project “{project}”, from 15/01/2024 to "
            "31/12/2025: Chủ trì lập đồ án"
        ]
    }


def test_withdrawn_or_out_of_period_declarations_do_not_count(
    consultation: Any, orgs: Any, settings: Any
) -> None:
    settings.MATCHING_COI_WINDOW_DAYS = 365
    today = timezone.localdate()
    cases: dict[str, dict[str, Any]] = {
        "Vũ Đã Rút": {"withdrawn_at": timezone.now()},
        "Vũ Đã Lâu": {"start_date": date(2010, 1, 1), "end_date": today - timedelta(days=400)},
        "Vũ Sắp Tới": {"start_date": consultation.deadline + timedelta(days=30)},
        "Vũ Gần Đây": {"start_date": date(2010, 1, 1), "end_date": today - timedelta(days=100)},
        "Vũ Trong Đợt": {"start_date": today + timedelta(days=1)},
    }
    for name, dates in cases.items():
        ConflictDeclarationFactory.create(
            expert=ExpertFactory.create(full_name=name), organization=orgs.consultant, **dates
        )

    assert set(_conflicts(consultation)) == {"Vũ Gần Đây", "Vũ Trong Đợt"}


def test_a_person_on_the_panel_conflicts_both_ways_and_only_when_seated(
    consultation: Any,
) -> None:
    seated = ExpertFactory.create(full_name="Nguyễn Đã Mời", degree="KTS")
    _seat(consultation, seated)
    declarer = ExpertFactory.create(full_name="Trần Người Khai", degree="TS")
    ConflictDeclarationFactory.create(
        expert=declarer, other_expert=seated, start_date=date(2018, 6, 1), reason="Vợ chồng"
    )
    named = ExpertFactory.create(full_name="Lê Người Được Nêu")
    ConflictDeclarationFactory.create(
        expert=seated, other_expert=named, start_date=date(2022, 2, 2), reason="Đồng tác giả"
    )
    # Neither of these two is on the panel, and a name alone identifies nobody.
    apart = ExpertFactory.create(full_name="Hoàng Ngoài Tổ")
    ConflictDeclarationFactory.create(expert=ExpertFactory.create(), other_expert=apart)
    ConflictDeclarationFactory.create(
        expert=ExpertFactory.create(full_name="Bùi Chỉ Ghi Tên"),
        kind="person",
        name="Nguyễn Đã Mời",
    )

    conflicts = _conflicts(consultation)

    assert conflicts["Trần Người Khai"] == [
        "declared a conflict with KTS. Nguyễn Đã Mời, on this panel, since 01/06/2018: Vợ chồng"
    ]
    assert conflicts["Lê Người Được Nêu"] == [
        "KTS. Nguyễn Đã Mời, on this panel, declared a conflict with them, since 02/02/2022: "
        "Đồng tác giả"
    ]
    assert {"Hoàng Ngoài Tổ", "Bùi Chỉ Ghi Tên"}.isdisjoint(conflicts)
    # The invitation service asks about the picks only, and gets the same answer.
    with translation.override("en"):
        assessments = assess_picks(consultation, [declarer, named, apart], suggested=set())
    assert [a.selectable for a in assessments] == [False, False, True]
    assert "Vợ chồng" in assessments[0].conflicts[0]
    assert "Đồng tác giả" in assessments[1].conflicts[0]


def test_a_declined_invitation_seats_nobody(consultation: Any) -> None:
    former = ExpertFactory.create(full_name="Nguyễn Đã Từ Chối")
    Invitation.objects.create(
        consultation=consultation, expert=former, state=Invitation.Status.DECLINED
    )
    ConflictDeclarationFactory.create(
        expert=ExpertFactory.create(full_name="Trần Người Khai"), other_expert=former
    )
    assert "Trần Người Khai" not in _conflicts(consultation)


def test_declarations_cost_the_same_queries_however_many_there_are(
    consultation: Any, orgs: Any
) -> None:
    def recommend_queries() -> int:
        consultation.refresh_from_db()
        with CaptureQueriesContext(connection) as captured:
            recommend_panel(consultation)
            assess_picks(consultation, list(Expert.objects.all()[:5]), suggested=set())
        return len(captured.captured_queries)

    seated = ExpertFactory.create()
    _seat(consultation, seated)
    ConflictDeclarationFactory.create(expert=ExpertFactory.create(), organization=orgs.consultant)
    few = recommend_queries()
    for _ in range(6):
        ConflictDeclarationFactory.create(
            expert=ExpertFactory.create(), organization=orgs.consultant
        )
        ConflictDeclarationFactory.create(expert=ExpertFactory.create(), other_expert=seated)
        ConflictDeclarationFactory.create(expert=seated, other_expert=ExpertFactory.create())
        ConflictDeclarationFactory.create(
            expert=ExpertFactory.create(), dossier=consultation.dossier
        )
    assert recommend_queries() == few


def test_the_panel_page_shows_a_declared_conflict_as_hard_and_refuses_it(
    consultation: Any, orgs: Any, as_user: Any, secretariat: Any
) -> None:
    declarer = ExpertFactory.create(full_name="Đỗ Khai Báo", specialties=["giao-thong"])
    ConflictDeclarationFactory.create(
        expert=declarer,
        organization=orgs.consultant,
        start_date=date(2019, 3, 1),
        reason="Cố vấn theo hợp đồng",
    )
    ExpertFactory.create(full_name="Lê Văn Độc Lập", specialties=["giao-thong"])
    client = as_user(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("consultations:panel", args=[consultation.pk])

    text = client.get(url).content.decode()

    row = text[text.index(f'data-excluded="{declarer.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "not-selectable" in row
    assert "declared a conflict with the planning consultant" in row and "01/03/2019" in row
    assert f'name="expert" value="{declarer.pk}"' not in text

    refused = client.post(
        url, {"expert": [declarer.pk], f"override_{declarer.pk}": "Cần chuyên gia này"}
    )
    assert "Cố vấn theo hợp đồng" in refused.content.decode()
    assert not Invitation.objects.filter(expert=declarer).exists()
