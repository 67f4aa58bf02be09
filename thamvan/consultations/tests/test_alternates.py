"""Alternates for declined and expired invitations: who is proposed, the one-click invitation
that checks every rule again, and the automatic mode on a decline and on an expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.audit.models import AuditEntry
from thamvan.consultations import access
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Invitation, Transition
from thamvan.consultations.services import alternates as alternate_services
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.tests.alternates_world import (
    CONFLICT_REFUSAL,
    Seats,
    decline_first,
    footprint,
    seats,
)
from thamvan.experts.tests.factories import (
    AffiliationFactory,
    ConflictDeclarationFactory,
    UnavailablePeriodFactory,
)
from thamvan.notifications.models import Notification
from thamvan.organizations.tests.factories import OrganizationFactory

__all__ = ["seats"]


pytestmark = pytest.mark.django_db


def _expire_first(seats: Seats) -> Invitation:
    Invitation.objects.filter(pk=seats.first.pk).update(
        respond_by=timezone.localdate() - timedelta(days=1)
    )
    panel_services.invitations_expire()
    seats.first.refresh_from_db()
    seats.consultation.refresh_from_db()
    return seats.first


def _site(message: Any, seats: Seats) -> str:
    """The notification text as sent: in the site's language, with the title."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % {"title": seats.consultation.title}


def _auto(seats: Seats) -> None:
    seats.consultation.auto_invite_alternates = True
    seats.consultation.save(update_fields=["auto_invite_alternates"])


# --- Whom to propose -----------------------------------------------------------------------


def test_the_best_reachable_expert_not_invited_and_without_conflict_is_proposed(
    seats: Seats, expert_user: Any
) -> None:
    decline_first(seats, expert_user)
    # Ranked first, the unreachable expert is passed over; the declined and the seated
    # experts and the conflicted one are never proposed.
    assert alternate_services.alternate_for(seats.consultation) == seats.best
    (vacancy,) = alternate_services.vacancies(seats.consultation)
    assert vacancy.invitation == seats.first
    assert vacancy.proposal is not None and not vacancy.proposal.needs_reason
    assert "Giao thông" in vacancy.proposal.reason


def test_an_expert_reachable_by_e_mail_only_may_be_proposed(seats: Seats, expert_user: Any) -> None:
    seats.unreachable.email = "hoang.van.vang@example.vn"
    seats.unreachable.save(update_fields=["email"])
    decline_first(seats, expert_user)
    assert alternate_services.alternate_for(seats.consultation) == seats.unreachable


def test_an_expert_no_rule_holds_back_is_preferred_to_a_better_ranked_one(
    seats: Seats, expert_user: Any
) -> None:
    employer = OrganizationFactory.create(name="Viện Kiến trúc Quốc gia")
    AffiliationFactory.create(expert=seats.second_invitation.expert, organization=employer)
    AffiliationFactory.create(expert=seats.best, organization=employer)
    seats.consultation.max_per_organization = 1
    seats.consultation.save(update_fields=["max_per_organization"])
    decline_first(seats, expert_user)
    (first, *rest) = alternate_services.alternate_proposals(seats.consultation, 6)
    assert first.expert == seats.second and not first.needs_reason
    (held,) = [p for p in rest if p.expert == seats.best]
    assert [w.rule for w in held.warnings] == ["organization_limit"]


def test_when_every_candidate_needs_a_reason_the_best_is_proposed_with_the_rules(
    seats: Seats, expert_user: Any
) -> None:
    today = timezone.localdate()
    for expert in (seats.best, seats.second, seats.unreachable):
        UnavailablePeriodFactory.create(
            expert=expert, start_date=today, end_date=today + timedelta(days=60)
        )
    # Only the architects remain: none covers the traffic specialty the dossier needs.
    decline_first(seats, expert_user)
    proposal = alternate_services.alternate_proposals(seats.consultation)[0]
    assert proposal.needs_reason
    assert "specialty_coverage" in [w.rule for w in proposal.warnings]


def test_nothing_is_proposed_while_every_seat_is_taken(
    seats: Seats, expert_user: Any, secretariat: Any
) -> None:
    decline_first(seats, expert_user)
    panel_services.invitations_send(
        actor=secretariat,
        consultation=seats.consultation,
        picks=[panel_services.Pick(expert=seats.second, override_reason="Chọn trực tiếp.")],
    )
    assert alternate_services.vacancies(seats.consultation) == []
    assert alternate_services.alternate_for(seats.consultation) is None


def test_two_vacated_seats_get_two_different_alternates(
    seats: Seats, expert_user: Any, other_expert_user: Any
) -> None:
    decline_first(seats, expert_user)
    panel_services.invitation_decline(
        actor=other_expert_user, invitation=seats.second_invitation, reason="Ốm."
    )
    vacancies = alternate_services.vacancies(seats.consultation)
    assert [v.invitation for v in vacancies] == [seats.first, seats.second_invitation]
    assert [v.proposal.expert for v in vacancies if v.proposal] == [seats.best, seats.second]


# --- The one-click invitation --------------------------------------------------------------


def test_inviting_the_alternate_fills_the_seat_and_records_whom_it_replaces(
    seats: Seats, expert_user: Any, secretariat: Any
) -> None:
    decline_first(seats, expert_user)
    alternate = alternate_services.alternate_invite(
        actor=secretariat,
        consultation=seats.consultation,
        invitation=seats.first,
        expert=seats.best,
    )
    assert alternate.expert == seats.best and alternate.replaces == seats.first
    assert alternate.recommended and alternate.invited_by == secretariat
    assert alternate.overridden_rules == [] and alternate.state == Invitation.Status.INVITED
    entry = Transition.objects.filter(consultation=seats.consultation).last()
    assert entry is not None and entry.action == "alternate_invited"
    assert entry.actor == secretariat
    assert entry.reason == str(alternate_services.IN_PLACE_OF) % {
        "alternate": "Đỗ Minh Khôi",
        "expert": "Trần Quốc Bảo",
    }
    audit = AuditEntry.objects.get(action="invitation.invite_alternate")
    assert audit.details["replaces"] == seats.first.pk and audit.details["automatic"] is False
    assert alternate_services.vacancies(seats.consultation) == []


def test_a_conflict_that_appears_after_the_proposal_refuses_the_click_naming_it(
    seats: Seats, expert_user: Any, secretariat: Any
) -> None:
    decline_first(seats, expert_user)
    proposed = alternate_services.alternate_for(seats.consultation)
    assert proposed == seats.best
    ConflictDeclarationFactory(
        expert=seats.best, dossier=seats.consultation.dossier, reason="Cố vấn cho chủ đầu tư"
    )
    before = footprint(seats)
    with translation.override("en"):
        with pytest.raises(ConsultationError) as refused:
            alternate_services.alternate_invite(
                actor=secretariat,
                consultation=seats.consultation,
                invitation=seats.first,
                expert=proposed,
            )
        assert refused.value.code == "conflict"
        assert refused.value.messages == [CONFLICT_REFUSAL]
    assert footprint(seats) == before
    # The page then proposes the next one.
    assert alternate_services.alternate_for(seats.consultation) == seats.second


def test_an_alternate_a_rule_holds_back_needs_the_reason_which_is_kept(
    seats: Seats, expert_user: Any, secretariat: Any
) -> None:
    today = timezone.localdate()
    for expert in (seats.best, seats.second):
        UnavailablePeriodFactory.create(
            expert=expert, start_date=today, end_date=today + timedelta(days=60)
        )
    decline_first(seats, expert_user)
    (proposal,) = alternate_services.alternate_proposals(seats.consultation)
    assert proposal.needs_reason
    before = footprint(seats)
    with pytest.raises(ConsultationError) as refused:
        alternate_services.alternate_invite(
            actor=secretariat,
            consultation=seats.consultation,
            invitation=seats.first,
            expert=proposal.expert,
        )
    assert refused.value.code == "override_reason"
    assert footprint(seats) == before
    alternate = alternate_services.alternate_invite(
        actor=secretariat,
        consultation=seats.consultation,
        invitation=seats.first,
        expert=proposal.expert,
        reason="Cần người thay ngay.",
    )
    assert alternate.override_reason == "Cần người thay ngay."
    assert [r["rule"] for r in alternate.overridden_rules] == [w.rule for w in proposal.warnings]


def test_without_an_expert_the_click_invites_the_proposal_as_it_stands(
    seats: Seats, expert_user: Any, secretariat: Any
) -> None:
    decline_first(seats, expert_user)
    alternate = alternate_services.alternate_invite(
        actor=secretariat, consultation=seats.consultation, invitation=seats.first
    )
    assert alternate.expert == seats.best


@pytest.mark.parametrize("case", ["replaced", "panel_full", "not_vacated", "unreachable"])
def test_the_click_is_refused_where_no_seat_waits_for_this_alternate(
    case: str, seats: Seats, expert_user: Any, secretariat: Any
) -> None:
    decline_first(seats, expert_user)
    invitation, expert = seats.first, seats.best
    if case == "replaced":
        alternate_services.alternate_invite(
            actor=secretariat, consultation=seats.consultation, invitation=seats.first
        )
        expert = seats.second
    elif case == "panel_full":
        panel_services.invitations_send(
            actor=secretariat,
            consultation=seats.consultation,
            picks=[panel_services.Pick(expert=seats.second, override_reason="Chọn trực tiếp.")],
        )
    elif case == "not_vacated":
        invitation = seats.second_invitation
    else:
        expert = seats.unreachable
    before = footprint(seats)
    with pytest.raises(ConsultationError) as refused:
        alternate_services.alternate_invite(
            actor=secretariat,
            consultation=seats.consultation,
            invitation=invitation,
            expert=expert,
        )
    assert refused.value.code == case
    assert footprint(seats) == before


@pytest.mark.parametrize("persona", ["officer", "leadership", "expert_user", "other_expert_user"])
def test_only_the_secretariat_invites_an_alternate(
    persona: str, seats: Seats, expert_user: Any, request: pytest.FixtureRequest
) -> None:
    decline_first(seats, expert_user)
    before = footprint(seats)
    with pytest.raises(ConsultationError) as refused:
        alternate_services.alternate_invite(
            actor=request.getfixturevalue(persona),
            consultation=seats.consultation,
            invitation=seats.first,
        )
    assert refused.value.code == "forbidden"
    assert footprint(seats) == before


# --- Expiry and the secretariat ------------------------------------------------------------


def test_an_expiry_tells_the_secretariat_to_choose_an_alternate_once(
    seats: Seats, secretariat: Any
) -> None:
    _expire_first(seats)
    assert seats.first.state == Invitation.Status.EXPIRED
    panel_services.invitations_expire()
    (notice,) = Notification.objects.filter(recipient=secretariat, kind="invitation_expired")
    assert notice.message == _site(panel_services.EXPIRED_CHOOSE_ALTERNATE, seats)
    assert notice.url == reverse("consultations:panel", args=[seats.consultation.pk])
    assert alternate_services.alternate_for(seats.consultation) == seats.best
    assert not seats.consultation.invitations.filter(replaces__isnull=False).exists()


def test_an_answer_that_lands_first_is_not_expired(seats: Seats, expert_user: Any) -> None:
    Invitation.objects.filter(pk=seats.first.pk).update(
        respond_by=timezone.localdate() - timedelta(days=1)
    )
    panel_services.invitation_accept(
        actor=expert_user, invitation=seats.first, declared=True, statement="Không có."
    )
    assert panel_services.invitations_expire() == 0
    seats.first.refresh_from_db()
    assert seats.first.state == Invitation.Status.ACCEPTED


# --- The automatic mode --------------------------------------------------------------------


def test_auto_mode_invites_the_alternate_on_a_decline_as_the_original_inviter(
    seats: Seats, expert_user: Any, secretariat: Any
) -> None:
    _auto(seats)
    decline_first(seats, expert_user)
    alternate = seats.consultation.invitations.get(replaces=seats.first)
    assert alternate.expert == seats.best and alternate.invited_by == secretariat
    assert alternate.overridden_rules == []
    entry = Transition.objects.filter(consultation=seats.consultation).last()
    assert entry is not None and entry.action == "alternate_invited_automatically"
    assert entry.actor is None
    audit = AuditEntry.objects.get(action="invitation.invite_alternate")
    assert audit.details["automatic"] is True and audit.details["on_behalf_of"] == secretariat.pk
    (notice,) = Notification.objects.filter(recipient=secretariat, kind="invitation_declined")
    assert notice.message == _site(panel_services.DECLINED_ALTERNATE_INVITED, seats)


def test_auto_mode_invites_the_alternate_on_an_expiry(seats: Seats, secretariat: Any) -> None:
    _auto(seats)
    _expire_first(seats)
    alternate = seats.consultation.invitations.get(replaces=seats.first)
    assert alternate.expert == seats.best
    (notice,) = Notification.objects.filter(recipient=secretariat, kind="invitation_expired")
    assert notice.message == _site(panel_services.EXPIRED_ALTERNATE_INVITED, seats)
    # The job runs every hour: nothing more happens.
    panel_services.invitations_expire()
    assert seats.consultation.invitations.count() == 3


def test_auto_mode_leaves_the_choice_when_a_rule_would_need_a_reason(
    seats: Seats, expert_user: Any, secretariat: Any
) -> None:
    today = timezone.localdate()
    for expert in (seats.best, seats.second):
        UnavailablePeriodFactory.create(
            expert=expert, start_date=today, end_date=today + timedelta(days=60)
        )
    _auto(seats)
    decline_first(seats, expert_user)
    assert seats.consultation.invitations.count() == 2
    (notice,) = Notification.objects.filter(recipient=secretariat, kind="invitation_declined")
    assert notice.message == _site(panel_services.DECLINED_CHOOSE_ALTERNATE, seats)
    proposal = alternate_services.alternate_proposals(seats.consultation)[0]
    assert proposal.needs_reason


def test_auto_mode_never_exceeds_the_panel_size_and_replaces_each_seat_once(
    seats: Seats, expert_user: Any, other_expert_user: Any, secretariat: Any
) -> None:
    decline_first(seats, expert_user)
    # The secretariat fills the seat from the candidate list, then turns the mode on.
    panel_services.invitations_send(
        actor=secretariat,
        consultation=seats.consultation,
        picks=[panel_services.Pick(expert=seats.second, override_reason="Chọn trực tiếp.")],
    )
    alternate_services.consultation_set_auto_alternates(
        actor=secretariat, consultation=seats.consultation, enabled=True
    )
    assert alternate_services.alternate_auto_invite(seats.consultation, seats.first) is None
    panel_services.invitation_decline(
        actor=other_expert_user, invitation=seats.second_invitation, reason="Ốm."
    )
    seated = seats.consultation.invitations.seated()
    assert seated.count() == seats.consultation.panel_size == 2
    (alternate,) = seats.consultation.invitations.filter(replaces__isnull=False)
    assert alternate.replaces == seats.second_invitation
    # Asked again (a retried job, a second worker), nothing more is invited.
    assert alternate_services.alternate_auto_invite(seats.consultation, seats.first) is None
    assert (
        alternate_services.alternate_auto_invite(seats.consultation, seats.second_invitation)
        is None
    )
    assert seats.consultation.invitations.seated().count() == 2


def test_auto_mode_waits_for_the_secretariat_when_the_inviter_may_no_longer_invite(
    seats: Seats, expert_user: Any, secretariat: Any
) -> None:
    _auto(seats)
    secretariat.memberships.update(is_active=False)
    other = UserFactory.create(full_name="Ngô Thị Thư", email="thu.ky@example.vn")
    MembershipFactory.create(
        user=other, organization=seats.consultation.association, role="secretariat"
    )
    decline_first(seats, expert_user)
    assert not seats.consultation.invitations.filter(replaces__isnull=False).exists()
    (notice,) = Notification.objects.filter(recipient=other, kind="invitation_declined")
    assert notice.message == _site(panel_services.DECLINED_CHOOSE_ALTERNATE, seats)


def test_the_setting_is_the_secretariats_and_written_on_the_timeline_once(
    seats: Seats, secretariat: Any, officer: Any
) -> None:
    with pytest.raises(ConsultationError):
        alternate_services.consultation_set_auto_alternates(
            actor=officer, consultation=seats.consultation, enabled=True
        )
    for _ in range(2):
        alternate_services.consultation_set_auto_alternates(
            actor=secretariat, consultation=seats.consultation, enabled=True
        )
    seats.consultation.refresh_from_db()
    assert seats.consultation.auto_invite_alternates
    assert (
        Transition.objects.filter(
            consultation=seats.consultation, action="auto_alternates_on"
        ).count()
        == 1
    )


def test_the_timeline_names_the_alternate_to_the_secretariat_only(
    seats: Seats, expert_user: Any, secretariat: Any, officer: Any
) -> None:
    _auto(seats)
    decline_first(seats, expert_user)
    for user, named in ((secretariat, True), (officer, False)):
        (entry,) = [
            t
            for t in access.timeline_visible_to(user, seats.consultation)
            if t.action == "alternate_invited_automatically"
        ]
        assert ("Đỗ Minh Khôi" in entry.reason) is named
