"""The people services: accounts, activation links, deactivation, memberships, registry accounts."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from thamvan.accounts import services
from thamvan.accounts.models import AccountInvitation, Membership, Role, User
from thamvan.accounts.services import Outcome
from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.accounts.tests.sessions import verified_client
from thamvan.accounts.tokens import api_token_create
from thamvan.audit.models import AuditEntry
from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import ExpertFactory
from thamvan.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

SITE_URL = "https://thamvan.example.vn"
LINK = re.compile(r"https://thamvan\.example\.vn/accounts/activate/([\w-]+)/")


def _create(actor: Any, orgs: Any, **overrides: Any) -> User:
    values: dict[str, Any] = {
        "email": "hung@example.vn",
        "full_name": "Nguyễn Văn Hùng",
        "organization": orgs.association,
        "role": Role.EXPERT,
    }
    return services.user_create(actor=actor, **{**values, **overrides})


def _code(error: ValidationError) -> str:
    return str(error.code)


# Creating ------------------------------------------------------------------------


def test_a_new_account_is_nfc_lower_case_and_has_no_password_yet(secretariat, orgs) -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Hùng")
    user = _create(secretariat, orgs, email="  Hung@Example.VN ", full_name=decomposed)

    assert user.full_name == "Nguyễn Văn Hùng"
    assert unicodedata.is_normalized("NFC", user.full_name)
    assert user.email == "hung@example.vn"
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role) == (orgs.association, Role.EXPERT)
    entry = AuditEntry.objects.get(action=services.USER_CREATED)
    assert (entry.actor, entry.target_id) == (secretariat, str(user.pk))
    assert entry.details["role"] == Role.EXPERT


def test_an_address_already_taken_is_a_clear_error_whatever_its_case(secretariat, orgs) -> None:
    _create(secretariat, orgs)

    with pytest.raises(ValidationError) as error:
        _create(secretariat, orgs, email="HUNG@example.vn", full_name="Người khác")

    assert _code(error.value) == "email_taken"
    assert str(services.EMAIL_TAKEN) in error.value.messages
    assert User.objects.filter(email="hung@example.vn").count() == 1


@pytest.mark.parametrize(
    ("email", "name", "code"),
    [("", "Tên", "email"), ("not-an-address", "Tên", "email"), ("a@example.vn", "  ", "full_name")],
)
def test_bad_input_is_refused_with_its_code(secretariat, orgs, email, name, code) -> None:
    with pytest.raises(ValidationError) as error:
        _create(secretariat, orgs, email=email, full_name=name)

    assert _code(error.value) == code


def test_the_secretariat_gives_expert_and_secretariat_roles_in_its_association(
    secretariat, orgs
) -> None:
    expert = _create(secretariat, orgs, organization=orgs.branch)
    colleague = _create(secretariat, orgs, email="thu@example.vn", role=Role.SECRETARIAT)

    assert expert.memberships.get().organization == orgs.branch
    assert colleague.memberships.get().role == Role.SECRETARIAT


@pytest.mark.parametrize(
    ("role", "organization"),
    [
        (Role.ADMIN, "association"),
        (Role.AGENCY_OFFICER, "association"),
        (Role.LEADERSHIP, "association"),
        (Role.EXPERT, "department"),
    ],
)
def test_the_secretariat_gives_no_other_role_and_nowhere_else(
    secretariat, orgs, role, organization
) -> None:
    with pytest.raises(PermissionDenied):
        _create(secretariat, orgs, role=role, organization=getattr(orgs, organization))

    assert not User.objects.filter(email="hung@example.vn").exists()


def test_an_administrator_gives_any_role_anywhere(admin_user, orgs) -> None:
    user = _create(admin_user, orgs, role=Role.AGENCY_OFFICER, organization=orgs.department)

    assert user.memberships.get().role == Role.AGENCY_OFFICER


@pytest.mark.parametrize("persona", ["officer", "expert_user", "leadership"])
def test_other_roles_create_no_account(request, orgs, persona) -> None:
    with pytest.raises(PermissionDenied):
        _create(request.getfixturevalue(persona), orgs)


# Activation links ----------------------------------------------------------------


def test_the_invitation_mails_a_one_time_link_from_the_site_url(
    secretariat, orgs, settings, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    settings.SITE_URL = SITE_URL
    with django_capture_on_commit_callbacks(execute=True):
        user = _create(secretariat, orgs)
        invitation = services.user_invite(actor=secretariat, user=user)

    [mail] = mailoutbox
    assert mail.to == ["hung@example.vn"]
    link = LINK.search(mail.body)
    assert link is not None
    assert AccountInvitation.objects.get(token_hash=services.hash_token(link.group(1))) == (
        invitation
    )
    assert "Phạm Thu Trang" in mail.body
    sent = OutgoingEmail.objects.for_object(user).get()
    assert sent.sensitive and sent.body == ""  # the link is not kept once sent
    assert (invitation.expires_at - invitation.created_at).days == settings.ACCOUNT_ACTIVATION_DAYS
    assert AuditEntry.objects.filter(action=services.USER_INVITED, target_id=str(user.pk)).exists()


def test_a_new_link_withdraws_the_older_one(secretariat, orgs) -> None:
    user = _create(secretariat, orgs)
    first = services.user_invite(actor=secretariat, user=user)
    second = services.user_invite(actor=secretariat, user=user)

    first.refresh_from_db()
    assert first.state() == AccountInvitation.State.REVOKED
    assert second.state() == AccountInvitation.State.OPEN


def test_an_activated_account_gets_no_link(secretariat, expert_user) -> None:
    with pytest.raises(ValidationError) as error:
        services.user_invite(actor=secretariat, user=expert_user)

    assert _code(error.value) == "activated"


# Deactivation --------------------------------------------------------------------


def test_deactivation_ends_sessions_and_revokes_tokens_and_links(
    secretariat, orgs, expert_user, settings
) -> None:
    client = verified_client(expert_user)
    assert client.get(reverse("accounts:profile")).status_code == 200
    api_token_create(actor=expert_user, name="script")
    newcomer = _create(secretariat, orgs, email="moi@example.vn")
    link = services.user_invite(actor=secretariat, user=newcomer)

    services.user_deactivate(actor=secretariat, user=expert_user, reason="Thôi làm hội viên")
    services.user_deactivate(actor=secretariat, user=newcomer, reason="Nhập nhầm")

    expert_user.refresh_from_db()
    assert not expert_user.is_active
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert not expert_user.api_tokens.filter(revoked_at__isnull=True).exists()
    link.refresh_from_db()
    assert link.state() == AccountInvitation.State.REVOKED
    entry = AuditEntry.objects.get(action=services.USER_DEACTIVATED, target_id=str(expert_user.pk))
    assert entry.details["reason"] == "Thôi làm hội viên"
    assert entry.details["sessions"] == 1 and entry.details["tokens"] == 1
    # Memberships stay on record for a reactivation.
    assert Membership.objects.filter(user=expert_user, is_active=True).exists()


def test_nobody_deactivates_their_own_account(admin_user) -> None:
    with pytest.raises(ValidationError) as error:
        services.user_deactivate(actor=admin_user, user=admin_user, reason="thử")

    assert _code(error.value) == "self"


def test_deactivation_needs_a_reason(secretariat, expert_user) -> None:
    with pytest.raises(ValidationError) as error:
        services.user_deactivate(actor=secretariat, user=expert_user, reason="   ")

    assert _code(error.value) == "reason"


def test_the_secretariat_cannot_deactivate_someone_who_also_works_elsewhere(
    secretariat, orgs, expert_user
) -> None:
    MembershipFactory.create(
        user=expert_user, organization=orgs.department, role=Role.AGENCY_OFFICER
    )

    with pytest.raises(PermissionDenied):
        services.user_deactivate(actor=secretariat, user=expert_user, reason="lý do")


def test_the_secretariat_cannot_deactivate_an_administrator(secretariat, admin_user) -> None:
    with pytest.raises(PermissionDenied):
        services.user_deactivate(actor=secretariat, user=admin_user, reason="lý do")


def test_reactivation_lets_the_person_sign_in_again(secretariat, expert_user) -> None:
    services.user_deactivate(actor=secretariat, user=expert_user, reason="tạm dừng")
    services.user_reactivate(actor=secretariat, user=expert_user)

    expert_user.refresh_from_db()
    assert expert_user.is_active
    assert AuditEntry.objects.filter(action=services.USER_REACTIVATED).exists()
    with pytest.raises(ValidationError):
        services.user_reactivate(actor=secretariat, user=expert_user)


def test_only_an_administrator_changes_an_activated_accounts_address(
    secretariat, admin_user, orgs, expert_user
) -> None:
    with pytest.raises(PermissionDenied):
        services.user_update(actor=secretariat, user=expert_user, email="moi@example.vn")
    newcomer = _create(secretariat, orgs)
    services.user_update(actor=secretariat, user=newcomer, email="Hung.Nguyen@Example.vn")
    services.user_update(actor=admin_user, user=expert_user, email="bao.tran@example.vn")

    newcomer.refresh_from_db()
    expert_user.refresh_from_db()
    assert newcomer.email == "hung.nguyen@example.vn"
    assert expert_user.email == "bao.tran@example.vn"


# Memberships ---------------------------------------------------------------------


def test_an_ended_membership_is_restored_when_added_again(secretariat, orgs, expert_user) -> None:
    membership = expert_user.memberships.get()
    services.membership_end(actor=secretariat, membership=membership)
    restored = services.membership_add(
        actor=secretariat,
        user=expert_user,
        organization=orgs.association,
        role=Role.EXPERT,
        position="Hội viên",
    )

    assert restored.pk == membership.pk
    assert restored.is_active and restored.position == "Hội viên"
    with pytest.raises(ValidationError) as error:
        services.membership_add(
            actor=secretariat, user=expert_user, organization=orgs.association, role=Role.EXPERT
        )
    assert _code(error.value) == "duplicate"


def test_changing_to_a_role_held_before_restores_that_membership(
    secretariat, orgs, expert_user
) -> None:
    expert = expert_user.memberships.get()
    colleague = services.membership_add(
        actor=secretariat, user=expert_user, organization=orgs.association, role=Role.SECRETARIAT
    )
    services.membership_end(actor=secretariat, membership=colleague)

    changed = services.membership_change_role(
        actor=secretariat, membership=expert, role=Role.SECRETARIAT, position="Chánh văn phòng"
    )

    assert changed.pk == colleague.pk
    expert.refresh_from_db()
    assert not expert.is_active
    assert list(
        Membership.objects.filter(user=expert_user, is_active=True).values_list("role", flat=True)
    ) == [Role.SECRETARIAT]
    assert AuditEntry.objects.filter(action=services.MEMBERSHIP_CHANGED).exists()


def test_the_secretariat_cannot_touch_an_administrators_membership(secretariat, admin_user) -> None:
    membership = admin_user.memberships.get()

    with pytest.raises(PermissionDenied):
        services.membership_end(actor=secretariat, membership=membership)
    with pytest.raises(PermissionDenied):
        services.membership_change_role(actor=secretariat, membership=membership, role=Role.EXPERT)


def test_an_administrator_keeps_their_own_last_administrator_role(admin_user, orgs) -> None:
    membership = admin_user.memberships.get()

    for change in (
        lambda: services.membership_end(actor=admin_user, membership=membership),
        lambda: services.membership_change_role(
            actor=admin_user, membership=membership, role=Role.EXPERT
        ),
    ):
        with pytest.raises(ValidationError) as error:
            change()
        assert _code(error.value) == "last_admin"

    # With a second administrator role the first may go.
    services.membership_add(
        actor=admin_user, user=admin_user, organization=orgs.city, role=Role.ADMIN
    )
    services.membership_end(actor=admin_user, membership=membership)
    membership.refresh_from_db()
    assert not membership.is_active


# Accounts for the registry ------------------------------------------------------


def test_accounts_for_a_mixed_selection_of_experts(
    secretariat, orgs, expert_user, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    fresh = ExpertFactory.create(full_name="Ngô Thị Mơ", email="Mo.Ngo@example.vn")
    no_email = ExpertFactory.create(full_name="Tạ Văn Bốn", email="")
    has_account = ExpertFactory.create(user=expert_user, email="b@example.vn")
    inactive = ExpertFactory.create(full_name="Lý Văn Nghỉ", is_active=False)
    officer = UserFactory.create(email="hanh.officer@example.vn", full_name="Nguyễn Thị Hạnh")
    taken = ExpertFactory.create(full_name="Nguyễn Thị Hạnh", email="hanh.officer@example.vn")

    with django_capture_on_commit_callbacks(execute=True):
        report = services.accounts_create_for_experts(
            actor=secretariat,
            experts=[fresh, no_email, has_account, inactive, taken],
            organization=orgs.branch,
        )

    outcomes = {r.expert.pk: r.outcome for r in report.results}
    assert outcomes == {
        fresh.pk: Outcome.CREATED,
        no_email.pk: Outcome.NO_EMAIL,
        has_account.pk: Outcome.HAS_ACCOUNT,
        inactive.pk: Outcome.INACTIVE_EXPERT,
        taken.pk: Outcome.EMAIL_TAKEN,
    }
    fresh.refresh_from_db()
    assert fresh.user is not None and fresh.user.email == "mo.ngo@example.vn"
    assert fresh.user.full_name == "Ngô Thị Mơ"
    assert fresh.user.memberships.get().organization == orgs.branch
    assert [m.to for m in mailoutbox] == [["mo.ngo@example.vn"]]
    [linkable] = [r for r in report.results if r.linkable]
    assert linkable.user == officer
    taken.refresh_from_db()
    assert taken.user is None
    assert len(report.created) == 1 and len(report.skipped) == 4


def test_existing_accounts_with_the_experts_address_can_be_linked(secretariat, orgs) -> None:
    officer = UserFactory.create(email="hanh@example.vn")
    MembershipFactory.create(user=officer, organization=orgs.department, role=Role.AGENCY_OFFICER)
    expert = ExpertFactory.create(email="hanh@example.vn")
    other = ExpertFactory.create(email="khac@example.vn")
    ExpertFactory.create(email="", user=UserFactory.create(email="khac@example.vn"))

    report = services.accounts_create_for_experts(
        actor=secretariat,
        experts=[expert, other],
        organization=orgs.association,
        link_existing=True,
    )

    assert [r.outcome for r in report.results] == [
        Outcome.LINKED,
        Outcome.ACCOUNT_LINKED_ELSEWHERE,
    ]
    expert.refresh_from_db()
    assert expert.user == officer
    assert officer.memberships.filter(role=Role.EXPERT, organization=orgs.association).exists()
    assert expert.lock_version == 1  # a registry form opened before cannot unlink it


def test_expert_accounts_are_made_in_an_association_by_the_registrys_managers(
    secretariat, leadership, orgs
) -> None:
    expert = ExpertFactory.create()

    with pytest.raises(ValidationError):
        services.accounts_create_for_experts(
            actor=secretariat, experts=[expert], organization=orgs.consultant
        )
    with pytest.raises(PermissionDenied):
        services.accounts_create_for_experts(
            actor=leadership, experts=[expert], organization=orgs.association
        )
    assert Expert.objects.get(pk=expert.pk).user is None
