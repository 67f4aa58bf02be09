"""Managing people: accounts, activation links, deactivation, memberships.

Who may do what is decided in ``thamvan.accounts.access``; every function
here checks it, raises ``PermissionDenied`` when the actor may not, and
``ValidationError`` (with a code the API returns) when the change breaks a
rule. Every change is audited in its transaction; mails leave after commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan import audit
from thamvan.accounts import access
from thamvan.accounts.mfa import PENDING_SESSION_KEY
from thamvan.accounts.models import AccountInvitation, Membership, Role, User
from thamvan.accounts.tokens import api_tokens_revoke_all, hash_token
from thamvan.core.locking import save_with_lock
from thamvan.experts.access import can_manage_registry
from thamvan.experts.models import Expert
from thamvan.notifications import outbox
from thamvan.organizations.models import Organization
from thamvan.search.normalize import nfc

ACTIVATION_TEMPLATE = "accounts/email/activation"

NOT_ALLOWED = _("You may not manage this person's account.")
ROLE_NOT_GRANTABLE = _("You may not give this role in this organisation.")
EMAIL_REQUIRED = _("Enter an email address.")
EMAIL_INVALID = _("Enter a valid email address.")
EMAIL_TAKEN = _("A user with this email address already exists.")
EMAIL_LOCKED = _(
    "Only an administrator can change the email address of an account that has been activated."
)
NAME_REQUIRED = _("Enter the person's full name.")
ROLE_UNKNOWN = _("Choose one of the roles.")
ORGANIZATION_INACTIVE = _("This organisation is no longer active.")
ALREADY_ACTIVATED = _(
    "This person has already activated their account. If they forgot their password, "
    "they can reset it from the sign-in page."
)
ACCOUNT_INACTIVE = _("The account is deactivated; reactivate it first.")
ACCOUNT_ACTIVE = _("The account is already active.")
NOT_YOURSELF = _("You cannot deactivate your own account.")
REASON_REQUIRED = _("Give the reason.")
LAST_ADMIN_ROLE = _("You cannot give up your own last administrator role.")
MEMBERSHIP_EXISTS = _("The person already has this role in this organisation.")
MEMBERSHIP_ENDED = _("This membership has already ended.")
NOT_A_REGISTRY_MANAGER = _("Only the secretariat and administrators create accounts for experts.")
NOT_AN_ASSOCIATION = _("Experts are members of an association or one of its branches.")
LINK_EMAIL_MISMATCH = _("The account's email address is not the expert's.")
LINK_TAKEN = _("This account is already linked to another expert.")

# Named as the actions in thamvan.audit.services.Action.
USER_CREATED = "user.created"
USER_UPDATED = "user.updated"
USER_INVITED = "user.invited"
USER_ACTIVATED = "user.activated"
USER_DEACTIVATED = "user.deactivated"
USER_REACTIVATED = "user.reactivated"
MEMBERSHIP_ADDED = "membership.added"
MEMBERSHIP_CHANGED = "membership.changed"
MEMBERSHIP_ENDED_ACTION = "membership.ended"
EXPERT_ACCOUNT_LINKED = "expert.account_linked"


def activation_days() -> int:
    return int(getattr(settings, "ACCOUNT_ACTIVATION_DAYS", 7))


def _require(condition: bool, message: Any = NOT_ALLOWED) -> None:
    if not condition:
        raise PermissionDenied(str(message))


def _require_grant(actor: User, organization: Organization, role: str) -> None:
    if role not in Role.values:
        raise ValidationError(ROLE_UNKNOWN, code="role")
    _require(access.can_grant(actor, organization.pk, role), ROLE_NOT_GRANTABLE)
    if not organization.is_active:
        raise ValidationError(ORGANIZATION_INACTIVE, code="organization")


def normalize_email(email: str) -> str:
    """NFC, trimmed and lower-case, as every address is stored; ValidationError if malformed."""
    email = nfc(email or "").strip().lower()
    if not email:
        raise ValidationError(EMAIL_REQUIRED, code="email")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(EMAIL_INVALID, code="email") from None
    return email


def _check_email_free(email: str, exclude_pk: int | None = None) -> None:
    taken = User.objects.filter(email=email)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(EMAIL_TAKEN, code="email_taken")


def _clean_name(full_name: str) -> str:
    name = " ".join(nfc(full_name or "").split())
    if not name:
        raise ValidationError(NAME_REQUIRED, code="full_name")
    return name


# ---------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: User,
    email: str,
    full_name: str,
    organization: Organization,
    role: str,
    position: str = "",
    phone: str = "",
    request: HttpRequest | None = None,
) -> User:
    """A new account with one membership, and no password until the person activates it.

    The e-mail is stored NFC, trimmed and lower-case; an address already taken
    raises ``ValidationError`` with code ``email_taken``. Send the activation
    link with ``user_invite``. ``PermissionDenied`` when ``actor`` may not give
    ``role`` in ``organization`` (see ``thamvan.accounts.access``).
    """
    _require(access.can_manage_people(actor))
    _require_grant(actor, organization, role)
    email = normalize_email(email)
    full_name = _clean_name(full_name)
    _check_email_free(email)
    user = User(email=email, full_name=full_name, phone=" ".join(nfc(phone or "").split())[:30])
    user.set_unusable_password()
    try:
        # A savepoint: an address taken by a concurrent request is the same error.
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError(EMAIL_TAKEN, code="email_taken") from None
    Membership.objects.create(
        user=user, organization=organization, role=role, position=nfc(position).strip()[:150]
    )
    audit.record(
        actor=actor,
        action=USER_CREATED,
        target=user,
        data={"email": email, "organization": organization.pk, "role": role},
        request=request,
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    full_name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    request: HttpRequest | None = None,
) -> User:
    """Change the person's name, phone or e-mail address; ``None`` keeps a value."""
    _require(access.can_manage_account(actor, user))
    changed: list[str] = []
    if full_name is not None:
        name = _clean_name(full_name)
        if name != user.full_name:
            user.full_name = name
            changed.append("full_name")
    if phone is not None:
        number = " ".join(nfc(phone).split())[:30]
        if number != user.phone:
            user.phone = number
            changed.append("phone")
    if email is not None:
        address = normalize_email(email)
        if address != user.email:
            _require(access.CHANGE_EMAIL in access.person_actions(actor, user), EMAIL_LOCKED)
            _check_email_free(address, exclude_pk=user.pk)
            user.email = address
            changed.append("email")
    if changed:
        try:
            with transaction.atomic():
                user.save(update_fields=changed)
        except IntegrityError:
            raise ValidationError(EMAIL_TAKEN, code="email_taken") from None
        audit.record(
            actor=actor, action=USER_UPDATED, target=user, data={"fields": changed}, request=request
        )
    return user


def activation_link(raw_token: str) -> str:
    # The configured address, never the request's Host header, which the sender controls.
    return f"{settings.SITE_URL}{reverse('accounts:activate', args=[raw_token])}"


@transaction.atomic
def user_invite(
    *, actor: User, user: User, request: HttpRequest | None = None
) -> AccountInvitation:
    """E-mail the person a one-time link to choose their first password and sign in.

    The link is valid ``ACCOUNT_ACTIVATION_DAYS`` days; any earlier link is
    withdrawn. Only a hash of it is stored, and the mail's body is wiped once sent.
    """
    _require(access.can_manage_account(actor, user))
    if not user.is_active:
        raise ValidationError(ACCOUNT_INACTIVE, code="inactive")
    if user.has_usable_password():
        raise ValidationError(ALREADY_ACTIVATED, code="activated")
    now = timezone.now()
    withdrawn = AccountInvitation.objects.open().filter(user=user).update(revoked_at=now)
    raw = secrets.token_urlsafe(32)
    invitation = AccountInvitation.objects.create(
        user=user,
        token_hash=hash_token(raw),
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=activation_days()),
    )
    outbox.send_templated(
        to=user.email,
        template=ACTIVATION_TEMPLATE,
        context={
            "user": user,
            "link": activation_link(raw),
            "expires_at": invitation.expires_at,
            "sender": actor,
        },
        related=user,
        user=user,
        sensitive=True,
    )
    audit.record(
        actor=actor,
        action=USER_INVITED,
        target=user,
        data={"expires_at": invitation.expires_at, "withdrawn": withdrawn},
        request=request,
    )
    return invitation


def invitation_for_token(raw_token: str) -> AccountInvitation | None:
    """The invitation a link carries, whatever its state; None for an unknown or altered link."""
    if not raw_token or len(raw_token) > 100:
        return None
    return (
        AccountInvitation.objects.select_related("user")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )


def invitation_state(invitation: AccountInvitation) -> str:
    """The link's state as its opener meets it: a deactivated or activated account voids it."""
    state = invitation.state()
    if state == AccountInvitation.State.OPEN:
        if not invitation.user.is_active:
            return AccountInvitation.State.REVOKED
        if invitation.user.has_usable_password():
            return AccountInvitation.State.USED
    return state


@transaction.atomic
def account_activate(
    *, invitation: AccountInvitation, password: str, request: HttpRequest | None = None
) -> User | None:
    """Set the first password through an open link and spend it; None if it is no longer open.

    The link is spent by a conditional update, so two submissions racing with
    the same link set one password.
    """
    user = User.objects.select_for_update().get(pk=invitation.user_id)
    invitation.user = user
    if invitation_state(invitation) != AccountInvitation.State.OPEN:
        return None
    spent = AccountInvitation.objects.open().filter(pk=invitation.pk).update(used_at=timezone.now())
    if not spent:
        return None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=user, action=USER_ACTIVATED, target=user, request=request)
    return user


def user_sessions_end(user: User) -> int:
    """Delete every session signed in as ``user`` (or half-way through the second step).

    Sessions stored in the database are read one by one, which is fine for an
    action as rare as deactivation. With sessions only in a cache nothing is
    deleted here: an inactive user's session opens nothing anyway, as the
    authentication backend refuses inactive users on every request.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return 0
    model = store_class.get_model_class()
    decoder = store_class()
    pk = str(user.pk)
    ended = []
    rows = model.objects.filter(expire_date__gt=timezone.now()).values_list(
        "session_key", "session_data"
    )
    for key, data in rows.iterator(chunk_size=500):
        session = decoder.decode(data)
        pending = session.get(PENDING_SESSION_KEY)
        pending_id = str(pending.get("user_id")) if isinstance(pending, dict) else None
        if session.get(SESSION_KEY) == pk or pending_id == pk:
            ended.append(key)
    for key in ended:
        # Through the store, so a cached copy (cached_db) goes too.
        store_class(session_key=key).delete()
    return len(ended)


@transaction.atomic
def user_deactivate(
    *, actor: User, user: User, reason: str, request: HttpRequest | None = None
) -> User:
    """Shut the person out: no sign-in, sessions ended, API tokens and activation links revoked.

    Nothing they did is removed; memberships stay as they were, for the record
    and for a reactivation.
    """
    _require(access.can_manage_account(actor, user))
    if user.pk == actor.pk:
        raise ValidationError(NOT_YOURSELF, code="self")
    reason = nfc(reason or "").strip()
    if not reason:
        raise ValidationError(REASON_REQUIRED, code="reason")
    if not user.is_active:
        raise ValidationError(ACCOUNT_INACTIVE, code="inactive")
    user.is_active = False
    user.save(update_fields=["is_active"])
    sessions = user_sessions_end(user)
    tokens = api_tokens_revoke_all(user=user, reason="deactivated")
    links = AccountInvitation.objects.open().filter(user=user).update(revoked_at=timezone.now())
    audit.record(
        actor=actor,
        action=USER_DEACTIVATED,
        target=user,
        data={"reason": reason[:1000], "sessions": sessions, "tokens": tokens, "links": links},
        request=request,
    )
    return user


@transaction.atomic
def user_reactivate(
    *, actor: User, user: User, reason: str = "", request: HttpRequest | None = None
) -> User:
    """Let the person sign in again with their password (or send them a new activation link)."""
    _require(access.can_manage_account(actor, user))
    if user.is_active:
        raise ValidationError(ACCOUNT_ACTIVE, code="active")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action=USER_REACTIVATED,
        target=user,
        data={"reason": nfc(reason or "").strip()[:1000]},
        request=request,
    )
    return user


# ---------------------------------------------------------------------------
# Memberships
# ---------------------------------------------------------------------------


def _membership_facts(membership: Membership) -> dict[str, Any]:
    return {
        "membership": membership.pk,
        "organization": membership.organization_id,
        "role": membership.role,
        "position": membership.position,
    }


@transaction.atomic
def membership_add(
    *,
    actor: User,
    user: User,
    organization: Organization,
    role: str,
    position: str = "",
    request: HttpRequest | None = None,
) -> Membership:
    """Give the person ``role`` in ``organization``; an ended membership of the same role
    there is restored."""
    _require_grant(actor, organization, role)
    position = nfc(position or "").strip()[:150]
    membership = (
        Membership.objects.select_for_update()
        .filter(user=user, organization=organization, role=role)
        .first()
    )
    if membership is not None and membership.is_active:
        raise ValidationError(MEMBERSHIP_EXISTS, code="duplicate")
    if membership is None:
        membership = Membership.objects.create(
            user=user, organization=organization, role=role, position=position
        )
        restored = False
    else:
        membership.is_active = True
        membership.position = position
        membership.save(update_fields=["is_active", "position"])
        restored = True
    audit.record(
        actor=actor,
        action=MEMBERSHIP_ADDED,
        target=user,
        data={**_membership_facts(membership), "restored": restored},
        request=request,
    )
    return membership


@transaction.atomic
def membership_change_role(
    *,
    actor: User,
    membership: Membership,
    role: str,
    position: str | None = None,
    request: HttpRequest | None = None,
) -> Membership:
    """Change the role (and the position, unless None) of an active membership.

    When the person had the new role there before, that ended membership is
    restored and this one ends, as the pair (organisation, role) is unique.
    """
    if not membership.is_active:
        raise ValidationError(MEMBERSHIP_ENDED, code="ended")
    _require(
        access.can_grant(actor, membership.organization_id, membership.role), ROLE_NOT_GRANTABLE
    )
    _require_grant(actor, membership.organization, role)
    if access.gives_up_last_admin_role(actor, membership, role):
        raise ValidationError(LAST_ADMIN_ROLE, code="last_admin")
    old = _membership_facts(membership)
    new_position = membership.position if position is None else nfc(position).strip()[:150]
    if role != membership.role:
        previous = Membership.objects.filter(
            user_id=membership.user_id, organization_id=membership.organization_id, role=role
        ).first()
        if previous is not None and previous.is_active:
            raise ValidationError(MEMBERSHIP_EXISTS, code="duplicate")
        if previous is not None:
            membership.is_active = False
            membership.save(update_fields=["is_active"])
            previous.is_active = True
            previous.position = new_position
            previous.save(update_fields=["is_active", "position"])
            membership = previous
        else:
            membership.role = role
            membership.position = new_position
            membership.save(update_fields=["role", "position"])
    elif new_position != membership.position:
        membership.position = new_position
        membership.save(update_fields=["position"])
    else:
        return membership
    audit.record(
        actor=actor,
        action=MEMBERSHIP_CHANGED,
        target=membership.user,
        data={"before": old, "after": _membership_facts(membership)},
        request=request,
    )
    return membership


@transaction.atomic
def membership_end(
    *, actor: User, membership: Membership, request: HttpRequest | None = None
) -> Membership:
    """End the membership; it stays on record and can be restored by adding it again."""
    _require(
        access.can_grant(actor, membership.organization_id, membership.role), ROLE_NOT_GRANTABLE
    )
    if not membership.is_active:
        raise ValidationError(MEMBERSHIP_ENDED, code="ended")
    if access.gives_up_last_admin_role(actor, membership, None):
        raise ValidationError(LAST_ADMIN_ROLE, code="last_admin")
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action=MEMBERSHIP_ENDED_ACTION,
        target=membership.user,
        data=_membership_facts(membership),
        request=request,
    )
    return membership


# ---------------------------------------------------------------------------
# Accounts for the expert registry
# ---------------------------------------------------------------------------


class Outcome:
    """What became of one expert in ``accounts_create_for_experts``."""

    CREATED = "created"
    LINKED = "linked"
    # Skipped, with the reason:
    NO_EMAIL = "no_email"
    HAS_ACCOUNT = "has_account"
    INACTIVE_EXPERT = "inactive_expert"
    EMAIL_TAKEN = "email_taken"  # an account has the address: it can be linked
    ACCOUNT_LINKED_ELSEWHERE = "account_linked_elsewhere"
    ACCOUNT_INACTIVE = "account_inactive"
    FAILED = "failed"


OUTCOME_MESSAGES = {
    Outcome.CREATED: _("Account created and activation email sent."),
    Outcome.LINKED: _("Linked to the existing account with the same email address."),
    Outcome.NO_EMAIL: _("The registry record has no email address."),
    Outcome.HAS_ACCOUNT: _("The expert already has an account."),
    Outcome.INACTIVE_EXPERT: _("The expert is inactive in the registry."),
    Outcome.EMAIL_TAKEN: _(
        "An account with this email address already exists: link it to the record instead."
    ),
    Outcome.ACCOUNT_LINKED_ELSEWHERE: _(
        "The account with this email address is already linked to another expert."
    ),
    Outcome.ACCOUNT_INACTIVE: _("The account with this email address is deactivated."),
    Outcome.FAILED: _("The account could not be created."),
}


@dataclass
class ExpertAccountResult:
    expert: Expert
    outcome: str
    user: User | None = None
    detail: str = ""

    @property
    def message(self) -> str:
        return self.detail or str(OUTCOME_MESSAGES[self.outcome])

    @property
    def done(self) -> bool:
        return self.outcome in (Outcome.CREATED, Outcome.LINKED)

    @property
    def linkable(self) -> bool:
        return self.outcome == Outcome.EMAIL_TAKEN


@dataclass
class ExpertAccountsReport:
    results: list[ExpertAccountResult] = field(default_factory=list)

    def of(self, outcome: str) -> list[ExpertAccountResult]:
        return [r for r in self.results if r.outcome == outcome]

    @property
    def created(self) -> list[ExpertAccountResult]:
        return self.of(Outcome.CREATED)

    @property
    def linked(self) -> list[ExpertAccountResult]:
        return self.of(Outcome.LINKED)

    @property
    def skipped(self) -> list[ExpertAccountResult]:
        return [r for r in self.results if not r.done]


def _require_expert_organization(actor: User, organization: Organization) -> None:
    _require(can_manage_registry(actor), NOT_A_REGISTRY_MANAGER)
    if organization.kind not in (
        Organization.Kind.ASSOCIATION,
        Organization.Kind.ASSOCIATION_BRANCH,
    ):
        raise ValidationError(NOT_AN_ASSOCIATION, code="organization")
    _require_grant(actor, organization, Role.EXPERT)


def _tie(expert: Expert, user: User) -> None:
    expert.user = user
    # A new version, so a registry form opened before cannot unlink the account.
    save_with_lock(expert, expected_version=None, update_fields=["user"])


@transaction.atomic
def expert_account_claim(
    *,
    expert: Expert,
    organization: Organization,
    password: str = "",
    user: User | None = None,
) -> User:
    """The expert takes up an account through their own personal invitation, which is
    the grant: no manager acts. Without ``user`` a new account is made from the registry
    record (name, address, phone) with ``password``; with ``user``, signed in with the
    record's address, that account is taken up. Either way it gets the expert role in
    ``organization`` (an ended one restored) and the record is tied to it. The caller has
    checked that the account may be taken up."""
    if user is None:
        user = User.objects.create_user(
            email=expert.email, password=password, full_name=expert.full_name, phone=expert.phone
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, role=Role.EXPERT
    )
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    # The roles read before this request must be read again.
    user.__dict__.pop("_memberships_cache", None)
    user.__dict__.pop("_scope_cache", None)
    _tie(expert, user)
    return user


def _link(
    *,
    actor: User,
    expert: Expert,
    user: User,
    organization: Organization,
    request: HttpRequest | None,
) -> None:
    _tie(expert, user)
    if not Membership.objects.filter(
        user=user, organization=organization, role=Role.EXPERT, is_active=True
    ).exists():
        membership_add(
            actor=actor, user=user, organization=organization, role=Role.EXPERT, request=request
        )
    audit.record(
        actor=actor,
        action=EXPERT_ACCOUNT_LINKED,
        target=expert,
        data={"user": user.pk},
        request=request,
    )


@transaction.atomic
def expert_link_account(
    *,
    actor: User,
    expert: Expert,
    organization: Organization,
    request: HttpRequest | None = None,
) -> User:
    """Link the expert's record to the existing account with the same e-mail address, giving
    it the expert role in ``organization`` if it has none there."""
    _require_expert_organization(actor, organization)
    user = User.objects.filter(email=(expert.email or "").lower()).first() if expert.email else None
    if user is None:
        raise ValidationError(LINK_EMAIL_MISMATCH, code="email")
    if expert.user_id is not None:
        raise ValidationError(OUTCOME_MESSAGES[Outcome.HAS_ACCOUNT], code="has_account")
    if not user.is_active:
        raise ValidationError(OUTCOME_MESSAGES[Outcome.ACCOUNT_INACTIVE], code="account_inactive")
    if Expert.objects.filter(user=user).exists():
        raise ValidationError(LINK_TAKEN, code="account_linked_elsewhere")
    _link(actor=actor, expert=expert, user=user, organization=organization, request=request)
    return user


def _outcome_for(expert: Expert, account: User | None, linked_user_ids: set[int]) -> str | None:
    """The reason ``expert`` gets no new account, or None when one can be created."""
    if expert.user_id is not None:
        return Outcome.HAS_ACCOUNT
    if not expert.is_active:
        return Outcome.INACTIVE_EXPERT
    if not expert.email:
        return Outcome.NO_EMAIL
    if account is None:
        return None
    if not account.is_active:
        return Outcome.ACCOUNT_INACTIVE
    if account.pk in linked_user_ids:
        return Outcome.ACCOUNT_LINKED_ELSEWHERE
    return Outcome.EMAIL_TAKEN


@transaction.atomic
def accounts_create_for_experts(
    *,
    actor: User,
    experts: Iterable[Expert],
    organization: Organization,
    link_existing: bool = False,
    request: HttpRequest | None = None,
) -> ExpertAccountsReport:
    """For each expert with an e-mail and no account: an account, the expert role in
    ``organization``, the link from the registry record, and an activation e-mail.

    Experts without an e-mail, with an account, or inactive are skipped and
    reported. When an account already has the expert's address it is reported
    as linkable, or linked at once with ``link_existing``. Each expert is done
    in a savepoint, so one failure does not undo the others.
    """
    _require_expert_organization(actor, organization)
    experts = list(experts)
    emails = {e.email.lower() for e in experts if e.email}
    accounts = {u.email: u for u in User.objects.filter(email__in=emails)}
    linked_user_ids = set(
        Expert.objects.filter(user__email__in=emails).values_list("user_id", flat=True)
    )
    report = ExpertAccountsReport()
    for expert in experts:
        account = accounts.get(expert.email.lower()) if expert.email else None
        outcome = _outcome_for(expert, account, linked_user_ids)
        if outcome == Outcome.EMAIL_TAKEN and link_existing and account is not None:
            with transaction.atomic():
                _link(
                    actor=actor,
                    expert=expert,
                    user=account,
                    organization=organization,
                    request=request,
                )
            linked_user_ids.add(account.pk)
            report.results.append(ExpertAccountResult(expert, Outcome.LINKED, account))
            continue
        if outcome is not None:
            report.results.append(ExpertAccountResult(expert, outcome, account))
            continue
        try:
            with transaction.atomic():
                user = user_create(
                    actor=actor,
                    email=expert.email,
                    full_name=expert.full_name,
                    organization=organization,
                    role=Role.EXPERT,
                    phone=expert.phone,
                    request=request,
                )
                _tie(expert, user)
                audit.record(
                    actor=actor,
                    action=EXPERT_ACCOUNT_LINKED,
                    target=expert,
                    data={"user": user.pk, "created": True},
                    request=request,
                )
                user_invite(actor=actor, user=user, request=request)
        except ValidationError as error:
            expert.user = None
            report.results.append(
                ExpertAccountResult(expert, Outcome.FAILED, detail=" ".join(error.messages))
            )
            continue
        linked_user_ids.add(user.pk)
        report.results.append(ExpertAccountResult(expert, Outcome.CREATED, user))
    return report
