"""Matching from the database: constraints, reasons, and the recommendation page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from thamvan.consultations.models import Invitation
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import (
    AffiliationFactory,
    ConflictDeclarationFactory,
    ExpertFactory,
    UnavailablePeriodFactory,
    specialty,
)
from thamvan.matching.services import build_instance, recommend_panel
from thamvan.organizations.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(orgs, officer, secretariat):
    dossier = DossierFactory.create(
        lead_agency=orgs.department,
        preparing_consultant=orgs.consultant,
        name="Quy hoạch giao thông khu đô thị N9",
        description="Mạng lưới đường, bãi đỗ xe và giao thông công cộng.",
    )
    consultation = ConsultationFactory.create(
        dossier=dossier, association=orgs.association, panel_size=2
    )
    consultation.required_specialties.set([specialty("giao-thong")])
    return advance(consultation, "accepted", officer=officer, secretariat=secretariat)


def _by_name(recommendation):
    ranked = {row.expert.full_name: row for row in recommendation.ranked}
    excluded = {row.expert.full_name: row for row in recommendation.excluded}
    return ranked, excluded


def test_it_ranks_by_specialty_and_text_and_explains_each_choice(consultation):
    ExpertFactory.create(
        full_name="Nguyễn Văn Giao",
        specialties=["giao-thong"],
        academic_rank="PGS",
        keywords="giao thông công cộng, bãi đỗ xe",
    )
    ExpertFactory.create(
        full_name="Trần Thị Kiến", specialties=["kien-truc"], keywords="kiến trúc nhà ở"
    )
    ranked, _ = _by_name(recommend_panel(consultation))
    first = ranked["Nguyễn Văn Giao"]
    assert first.rank == 1 and first.suggested
    assert "Giao thông" in first.reason
    # The score is written the Vietnamese way, with a decimal comma.
    assert re.search(r"mức độ phù hợp \d,\d\d;", first.reason), first.reason
    assert ranked["Nguyễn Văn Giao"].score > ranked["Trần Thị Kiến"].score


def test_the_text_similarity_follows_a_change_of_text_although_it_is_cached(consultation):
    """The similarity of the dossier's text with every profile is cached; saving, adding
    or deactivating an expert must not leave the ranking on the old texts."""
    giao = ExpertFactory.create(full_name="Nguyễn Văn Giao", keywords="kiến trúc nhà ở")
    kien = ExpertFactory.create(full_name="Trần Thị Kiến", keywords="bãi đỗ xe, mạng lưới đường")

    def scores():
        ranked, _ = _by_name(recommend_panel(consultation))
        return {name: row.score for name, row in ranked.items()}

    before = scores()
    assert before["Trần Thị Kiến"] > before["Nguyễn Văn Giao"] == 0
    giao.keywords = "giao thông công cộng, bãi đỗ xe, mạng lưới đường"
    giao.save()
    after = scores()
    assert after["Nguyễn Văn Giao"] > after["Trần Thị Kiến"]
    kien.is_active = False
    kien.save()
    assert set(scores()) == {"Nguyễn Văn Giao"}
    ExpertFactory.create(
        full_name="Lê Văn Đường", keywords="quy hoạch giao thông khu đô thị, bãi đỗ xe"
    )
    last = scores()
    assert last["Lê Văn Đường"] > last["Nguyễn Văn Giao"] > 0


def test_it_excludes_recent_affiliation_with_the_consultant_within_the_window(
    consultation, settings
):
    settings.MATCHING_COI_WINDOW_DAYS = 365
    today = timezone.localdate()
    recent = ExpertFactory.create(full_name="Lê Gần Đây", specialties=["giao-thong"])
    AffiliationFactory.create(
        expert=recent,
        organization=consultation.dossier.preparing_consultant,
        end_date=today - timedelta(days=100),
    )
    old = ExpertFactory.create(full_name="Phạm Lâu Rồi", specialties=["giao-thong"])
    AffiliationFactory.create(
        expert=old,
        organization=consultation.dossier.preparing_consultant,
        end_date=today - timedelta(days=400),
    )
    ranked, excluded = _by_name(recommend_panel(consultation))
    assert "Lê Gần Đây" in excluded
    assert (
        "consultant" in excluded["Lê Gần Đây"].reasons[0]
        or "tư vấn" in excluded["Lê Gần Đây"].reasons[0]
    )
    assert "Phạm Lâu Rồi" in ranked


def test_declared_conflicts_unavailability_and_the_same_person_are_excluded(consultation, officer):
    declared = ExpertFactory.create(full_name="Đỗ Khai Báo")
    ConflictDeclarationFactory.create(
        expert=declared, dossier=consultation.dossier, reason="Người thân"
    )
    away = ExpertFactory.create(full_name="Vũ Đi Vắng")
    today = timezone.localdate()
    UnavailablePeriodFactory.create(
        expert=away, start_date=today, end_date=today + timedelta(days=30)
    )
    ExpertFactory.create(full_name="Nguyễn Thị Hạnh Chuyên Gia", user=officer)
    _, excluded = _by_name(recommend_panel(consultation))
    assert "Người thân" in excluded["Đỗ Khai Báo"].reasons[0]
    assert "Vũ Đi Vắng" in excluded
    assert "Nguyễn Thị Hạnh Chuyên Gia" in excluded


def test_load_counts_open_panels_against_the_maximum(consultation, orgs, officer, secretariat):
    busy = ExpertFactory.create(full_name="Hoàng Bận Rộn", max_concurrent_consultations=1)
    other = ConsultationFactory.create(association=orgs.association)
    other.dossier.lead_agency = orgs.department
    other.dossier.save(update_fields=["lead_agency"])
    advance(other, "accepted", officer=officer, secretariat=secretariat)
    Invitation.objects.create(consultation=other, expert=busy)
    other.state = "panel_forming"
    other.save(update_fields=["state"])
    _, excluded = _by_name(recommend_panel(consultation))
    assert "Hoàng Bận Rộn" in excluded
    instance = build_instance(consultation)
    expert = instance.experts[instance.expert_index[str(busy.pk)]]
    assert (expert.capacity, expert.open_panels) == (0, 1)


def test_the_instance_carries_the_panel_constraints(consultation):
    consultation.max_per_organization = 1
    consultation.needs_senior = True
    consultation.save(update_fields=["max_per_organization", "needs_senior"])
    ExpertFactory.create(home_organization=OrganizationFactory.create())
    request = build_instance(consultation).requests[0]
    assert request.panel_size == 2
    assert request.required_specialties == ("giao-thong",)
    assert request.max_per_organization == 1 and request.needs_senior


def test_the_recommendation_page_is_for_the_secretariat_only(
    consultation, as_user, secretariat, officer, leadership
):
    ExpertFactory.create(full_name="Nguyễn Văn Giao", specialties=["giao-thong"])
    url = reverse("consultations:panel", args=[consultation.pk])
    response = as_user(secretariat).get(url)
    assert response.status_code == 200 and "Nguyễn Văn Giao" in response.content.decode()
    assert as_user(officer).get(url).status_code == 403
    assert as_user(leadership).get(url).status_code == 403


def test_inviting_from_the_page_records_the_recommendation(consultation, as_user, secretariat):
    first = ExpertFactory.create(full_name="Nguyễn Văn Giao", specialties=["giao-thong"])
    second = ExpertFactory.create(full_name="Trần Văn Phụ", specialties=["giao-thong"])
    outsider = ExpertFactory.create(full_name="Lê Ngoài Danh Sách", specialties=["kien-truc"])
    url = reverse("consultations:panel", args=[consultation.pk])
    response = as_user(secretariat).post(url, {"expert": [first.pk, second.pk, outsider.pk]})
    assert response.status_code == 200
    assert "Lê Ngoài Danh Sách" in response.content.decode()
    assert not Invitation.objects.exists()
    as_user(secretariat).post(
        url,
        {
            "expert": [first.pk, second.pk, outsider.pk],
            f"override_{outsider.pk}": "Am hiểu khu vực",
        },
    )
    invitations = {i.expert_id: i for i in Invitation.objects.filter(consultation=consultation)}
    assert invitations[first.pk].recommended and invitations[first.pk].recommendation_reason
    assert invitations[outsider.pk].override_reason == "Am hiểu khu vực"


def test_after_a_decline_the_page_suggests_an_alternate(
    consultation, as_user, secretariat, expert_user
):
    from thamvan.consultations.services import panel as panel_services

    declining = ExpertFactory.create(
        user=expert_user, full_name="Trần Quốc Bảo", specialties=["giao-thong"]
    )
    ExpertFactory.create(full_name="Ngô Dự Bị", specialties=["giao-thong"])
    (invitation,) = panel_services.invitations_send(
        actor=secretariat, consultation=consultation, picks=[panel_services.Pick(expert=declining)]
    )
    panel_services.invitation_decline(actor=expert_user, invitation=invitation, reason="Bận")
    recommendation = recommend_panel(consultation)
    ranked, excluded = _by_name(recommendation)
    assert "Trần Quốc Bảo" in excluded
    assert ranked["Ngô Dự Bị"].suggested


def test_the_organisation_limit_counts_employers_not_the_association(consultation, orgs):
    """Eleven members of the association who work at eleven different bodies, and two
    with no current employer, are never "over the limit of 1" for belonging together."""
    consultation.panel_size = 13
    consultation.max_per_organization = 1
    consultation.save(update_fields=["panel_size", "max_per_organization"])
    consultation.required_specialties.clear()
    for n in range(11):
        expert = ExpertFactory.create(home_organization=orgs.association)
        AffiliationFactory.create(
            expert=expert, organization=OrganizationFactory.create(name=f"Viện số {n}")
        )
        # A job that ended does not make the expert's employer.
        AffiliationFactory.create(
            expert=expert,
            organization=orgs.ward,
            end_date=date(2014, 12, 31),
            start_date=date(2010, 1, 1),
        )
    for _ in range(2):
        ExpertFactory.create(home_organization=orgs.association)
    instance = build_instance(consultation)
    organizations = [expert.organization for expert in instance.experts]
    assert len(set(organizations)) == 13
    recommendation = recommend_panel(consultation)
    assert len(recommendation.suggested) == 13
    assert not any("organisation" in w or "tổ chức" in w for w in recommendation.warnings)
    assert not any(row.warnings for row in recommendation.ranked)


def test_two_experts_of_one_employer_over_a_limit_of_one_need_a_reason(
    consultation, orgs, secretariat
):
    from thamvan.consultations.lifecycle import ConsultationError
    from thamvan.consultations.services import panel as panel_services

    consultation.max_per_organization = 1
    consultation.save(update_fields=["max_per_organization"])
    institute = OrganizationFactory.create(name="Trường Đại học Xây dựng Hà Nội")
    colleagues = [ExpertFactory.create(specialties=["giao-thong"]) for _ in range(2)]
    for expert in colleagues:
        AffiliationFactory.create(expert=expert, organization=institute)
    with translation.override("en"), pytest.raises(ConsultationError) as refused:
        panel_services.invitations_send(
            actor=secretariat,
            consultation=consultation,
            picks=[panel_services.Pick(expert=e) for e in colleagues],
        )
    assert refused.value.code == "override_reason"
    assert "Trường Đại học Xây dựng Hà Nội already has 1 of at most 1" in refused.value.messages[0]
    assert colleagues[1].titled_name in refused.value.messages[0]


def test_an_expert_no_invitation_can_reach_is_never_suggested_but_may_be_chosen(
    consultation,
):
    ExpertFactory.create(
        full_name="Lê Văn Thư", specialties=["giao-thong"], keywords="giao thông công cộng"
    )
    ExpertFactory.create(
        full_name="Phạm Văn Điện",
        specialties=["giao-thong"],
        keywords="giao thông công cộng, bãi đỗ xe",
        email="",
    )
    recommendation = recommend_panel(consultation)
    assert "Phạm Văn Điện" not in {row.expert.full_name for row in recommendation.suggested}
    ranked, excluded = _by_name(recommendation)
    assert "Phạm Văn Điện" not in ranked
    unreachable = excluded["Phạm Văn Điện"]
    assert unreachable.selectable
    assert [w.rule for w in unreachable.warnings] == ["no_email"]
