"""Panel rules on the panel page and in the service: a conflict of interest is hard (no
reason seats the expert), a soft rule needs a reason that is stored and shown."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from thamvan.accounts.tests.factories import UserFactory
from thamvan.audit.models import AuditEntry
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Invitation, Transition
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.consultations.tests.test_lifecycle_agreement import _submit_opinion
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import (
    AffiliationFactory,
    ConflictDeclarationFactory,
    ExpertFactory,
)
from thamvan.notifications.models import Notification
from thamvan.organizations.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(orgs: Any, officer: Any, secretariat: Any) -> Any:
    dossier = DossierFactory.create(
        lead_agency=orgs.department,
        preparing_consultant=orgs.consultant,
        name="Quy hoạch phân khu đô thị N9",
    )
    consultation = ConsultationFactory.create(
        dossier=dossier, association=orgs.association, panel_size=3
    )
    return advance(consultation, "accepted", officer=officer, secretariat=secretariat)


@pytest.fixture
def consultant_employee(orgs: Any) -> Any:
    """Works at the consultant that prepared the plan since 2019."""
    expert = ExpertFactory.create(full_name="Nguyễn Văn Tư Vấn", home_organization=orgs.association)
    AffiliationFactory.create(
        expert=expert, organization=orgs.consultant, start_date=date(2019, 3, 1)
    )
    return expert


def _footprint(consultation: Any) -> tuple[int, int, int]:
    return (
        Invitation.objects.filter(consultation=consultation).count(),
        Transition.objects.filter(consultation=consultation).count(),
        AuditEntry.objects.exclude(action="access.denied").count(),
    )


def test_the_page_refuses_a_conflicted_expert_whatever_the_reason_and_names_the_conflict(
    consultation: Any, consultant_employee: Any, as_user: Any, secretariat: Any
) -> None:
    before = _footprint(consultation)
    client = as_user(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the site ignores Accept-Language
    response = client.post(
        reverse("consultations:panel", args=[consultation.pk]),
        {
            "expert": [consultant_employee.pk],
            f"override_{consultant_employee.pk}": "Chuyên gia giỏi nhất về giao thông",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert (
        "Nguyễn Văn Tư Vấn cannot sit on this panel: works at the planning consultant "
        "(Viện Quy hoạch Xây dựng Hà Nội) since 2019." in text
    )
    assert _footprint(consultation) == before


def test_the_page_shows_a_conflicted_candidate_as_not_selectable_before_the_click(
    consultation: Any, consultant_employee: Any, as_user: Any, secretariat: Any
) -> None:
    ExpertFactory.create(full_name="Lê Văn Độc Lập")
    response = as_user(secretariat).get(reverse("consultations:panel", args=[consultation.pk]))
    text = response.content.decode()
    row = text[text.index(f'data-excluded="{consultant_employee.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "not-selectable" in row and "Viện Quy hoạch Xây dựng Hà Nội" in row
    assert f'name="expert" value="{consultant_employee.pk}"' not in text
    assert "Lê Văn Độc Lập" in text


@pytest.mark.parametrize("kind", ["declared", "requester", "past_affiliation"])
def test_the_service_refuses_every_kind_of_conflict_even_with_a_reason(
    kind: str, consultation: Any, officer: Any, secretariat: Any, orgs: Any
) -> None:
    expert = ExpertFactory.create(full_name="Phạm Xung Đột")
    if kind == "declared":
        ConflictDeclarationFactory.create(
            expert=expert, dossier=consultation.dossier, reason="Người thân của chủ đầu tư"
        )
        named = "Người thân của chủ đầu tư"
    elif kind == "requester":
        # A requester outside the parties' organisations: only being the same person counts.
        requester = UserFactory.create(full_name="Phạm Xung Đột", email="requester@example.vn")
        consultation.created_by = requester
        consultation.save(update_fields=["created_by"])
        expert.user = requester
        expert.save(update_fields=["user"])
        named = "requested this consultation"
    else:
        AffiliationFactory.create(
            expert=expert,
            organization=orgs.consultant,
            start_date=date(2010, 1, 1),
            end_date=timezone.localdate() - timedelta(days=100),
        )
        named = "worked at the planning consultant"
    before = _footprint(consultation)
    with translation.override("en"), pytest.raises(ConsultationError) as refused:
        panel_services.invitations_send(
            actor=secretariat,
            consultation=consultation,
            picks=[panel_services.Pick(expert=expert, override_reason="Cần thiết")],
        )
    assert refused.value.code == "conflict"
    assert named in refused.value.messages[0] and "Phạm Xung Đột" in refused.value.messages[0]
    assert _footprint(consultation) == before


def test_a_soft_rule_without_a_reason_is_refused_naming_the_rule(
    consultation: Any, secretariat: Any
) -> None:
    busy = ExpertFactory.create(full_name="Hoàng Bận Rộn")
    with translation.override("en"), pytest.raises(ConsultationError) as refused:
        panel_services.invitations_send(
            actor=secretariat,
            consultation=consultation,
            picks=[panel_services.Pick(expert=busy, suggested=False)],
        )
    assert refused.value.code == "override_reason"
    assert "Hoàng Bận Rộn: not in the suggested panel" in refused.value.messages[0]
    assert not Invitation.objects.exists()


def test_a_soft_override_is_recorded_and_shown_on_the_panel_and_the_timeline(
    consultation: Any, orgs: Any, as_user: Any, secretariat: Any, officer: Any
) -> None:
    consultation.max_per_organization = 1
    consultation.save(update_fields=["max_per_organization"])
    institute = OrganizationFactory.create(name="Viện Kiến trúc Quốc gia")
    first, second = (
        ExpertFactory.create(full_name=name, home_organization=orgs.association)
        for name in ("Đặng Thứ Nhất", "Bùi Thứ Hai")
    )
    for expert in (first, second):
        AffiliationFactory.create(expert=expert, organization=institute)
    panel_url = reverse("consultations:panel", args=[consultation.pk])
    client = as_user(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the site ignores Accept-Language
    refused = client.post(panel_url, {"expert": [first.pk, second.pk]}).content.decode()
    assert "Bùi Thứ Hai: Viện Kiến trúc Quốc gia already has 1 of at most 1 members" in refused
    assert not Invitation.objects.exists()

    reason = "Chuyên gia duy nhất am hiểu khu vực"
    client.post(
        panel_url,
        {
            "expert": [first.pk, second.pk],
            f"override_{first.pk}": reason,
            f"override_{second.pk}": reason,
        },
    )
    invitation = Invitation.objects.get(expert=second)
    assert invitation.override_reason == reason
    assert "organization_limit" in [r["rule"] for r in invitation.overridden_rules]
    page = client.get(panel_url).content.decode()
    shown = page[page.index(f'data-override="{second.pk}"') :]
    assert "Viện Kiến trúc Quốc gia already has 1 of at most 1 members" in shown[:600]
    assert reason in shown[:600]
    timeline = client.get(reverse("consultations:detail", args=[consultation.pk])).content
    assert reason in timeline.decode()
    # The names and the reason stay with the secretariat: the agency sees the entry only.
    assert reason not in as_user(officer).get(consultation.get_absolute_url()).content.decode()
    entry = AuditEntry.objects.get(action="invitation.send")
    assert entry.details["overrides"][str(second.pk)]["reason"] == reason


def test_resend_notifies_again_and_revoke_frees_the_seat(
    consultation: Any, as_user: Any, secretariat: Any, expert_user: Any, officer: Any
) -> None:
    expert = ExpertFactory.create(user=expert_user, full_name="Trần Quốc Bảo")
    (invitation,) = panel_services.invitations_send(
        actor=secretariat, consultation=consultation, picks=[panel_services.Pick(expert=expert)]
    )
    respond_by = invitation.respond_by
    client = as_user(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the site ignores Accept-Language
    # The agency may read the consultation but not act on its panel.
    resend_url = reverse("consultations:invitation_resend", args=[consultation.pk, invitation.pk])
    revoke_url = reverse("consultations:invitation_revoke", args=[consultation.pk, invitation.pk])
    assert as_user(officer).post(resend_url).status_code == 403
    assert as_user(officer).post(revoke_url, {"reason": "Không cần"}).status_code == 403
    assert client.post(resend_url).status_code == 302
    assert Notification.objects.filter(recipient=expert_user, kind="invitation").count() == 2
    invitation.refresh_from_db()
    assert invitation.respond_by == respond_by
    assert client.post(revoke_url, {"reason": ""}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == Invitation.Status.INVITED
    client.post(revoke_url, {"reason": "Đổi chuyên ngành"})
    invitation.refresh_from_db()
    assert invitation.state == Invitation.Status.REVOKED
    assert invitation.revoke_reason == "Đổi chuyên ngành"
    assert Notification.objects.filter(recipient=expert_user, kind="invitation_revoked").exists()
    assert set(
        AuditEntry.objects.filter(action__startswith="invitation.r").values_list(
            "action", flat=True
        )
    ) == {"invitation.resend", "invitation.revoke"}


def _panel_page_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_panel_page_reads_a_bounded_number_of_queries_however_many_experts(
    consultation: Any, orgs: Any, as_user: Any, secretariat: Any
) -> None:
    def add_experts(n: int) -> None:
        for _ in range(n):
            expert = ExpertFactory.create(specialties=["giao-thong"])
            AffiliationFactory.create(expert=expert)
        conflicted = ExpertFactory.create()
        AffiliationFactory.create(expert=conflicted, organization=orgs.consultant)

    client = as_user(secretariat)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the site ignores Accept-Language
    url = reverse("consultations:panel", args=[consultation.pk])
    add_experts(3)
    few = _panel_page_queries(client, url)
    add_experts(40)
    many = _panel_page_queries(client, url)
    assert many == few
    assert many <= 40


def test_a_member_who_has_submitted_an_opinion_cannot_be_revoked(
    world: Any, officer: Any, secretariat: Any
) -> None:
    world.advance("in_review", officer=officer, secretariat=secretariat)
    _submit_opinion(world)
    _user, expert = world.members[1]
    invitation = Invitation.objects.get(consultation=world.consultation, expert=expert)
    before = _footprint(world.consultation)
    with pytest.raises(ConsultationError) as refused:
        panel_services.invitation_revoke(
            actor=secretariat, invitation=invitation, reason="Không còn phù hợp"
        )
    assert refused.value.code == "opinion"
    assert _footprint(world.consultation) == before
    # The chair, who has not submitted, can still be replaced; the chair seat frees up.
    chair = Invitation.objects.get(consultation=world.consultation, is_chair=True)
    panel_services.invitation_revoke(actor=secretariat, invitation=chair, reason="Ốm dài ngày")
    chair.refresh_from_db()
    assert chair.state == Invitation.Status.REVOKED and not chair.is_chair
