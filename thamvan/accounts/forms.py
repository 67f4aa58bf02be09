from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from thamvan.accounts import access, throttle
from thamvan.accounts.models import AccountInvitation, Membership, Role, User
from thamvan.accounts.services import EMAIL_LOCKED, activation_days
from thamvan.core.http import client_address
from thamvan.core.widgets import PickerSelect
from thamvan.experts.models import Expert
from thamvan.organizations.models import Organization
from thamvan.search.normalize import nfc, syllables

THROTTLED_MESSAGE = _(
    "Too many failed sign-in attempts. Please wait %(minutes)d minutes and try again, "
    "or reset your password."
)


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email address or password is incorrect."),
        "throttled": THROTTLED_MESSAGE,
    }

    def clean_username(self) -> str:
        # Addresses are stored lower-case; people type them however they like.
        return str(self.cleaned_data["username"]).lower()

    def clean(self) -> dict[str, Any]:
        email = (self.cleaned_data.get("username") or "").lower()
        ip_address = client_address(self.request) if self.request else None
        if email and throttle.is_throttled(email=email, ip_address=ip_address):
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": throttle.minutes_until_retry()},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if email:
                throttle.record_attempt(email=email, ip_address=ip_address, succeeded=False)
            raise
        throttle.record_attempt(email=email, ip_address=ip_address, succeeded=True)
        return cleaned


MFA_INVALID_CODE_MESSAGE = _("The code is not valid. Check the time on your phone and try again.")
MFA_THROTTLED_MESSAGE = _("Too many wrong codes. Please wait %(minutes)d minutes and try again.")


class MFACodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "text"}
        ),
    )


class MFAEnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


# People management ---------------------------------------------------------------


class AccountStatus:
    """The filter values of the people list."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    INVITED = "invited"
    NOT_INVITED = "not_invited"


STATUS_CHOICES = [
    ("", _("All")),
    (AccountStatus.ACTIVE, pgettext_lazy("account", "Active")),
    (AccountStatus.INACTIVE, pgettext_lazy("account", "Deactivated")),
    (AccountStatus.INVITED, _("Invited, not yet activated")),
    (AccountStatus.NOT_INVITED, _("No activation email sent yet")),
]


def search_people(people: QuerySet[User], text: str) -> QuerySet[User]:
    """Every word of the name, accents or not, or part of the e-mail address."""
    text = nfc(text).strip()
    if not text:
        return people
    by_name = Q()
    for word in syllables(text):
        by_name &= Q(sort_name__contains=word)
    return people.filter(by_name | Q(email__contains=text.lower()))


def _organization_field(label: Any, **kwargs: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label, queryset=Organization.objects.none(), widget=PickerSelect, **kwargs
    )


def _role_field(actor: User, label: Any, **kwargs: Any) -> forms.ChoiceField:
    roles = access.grantable_roles(actor)
    return forms.ChoiceField(
        label=label, choices=[c for c in Role.choices if c[0] in roles], **kwargs
    )


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or email"), required=False, max_length=200)
    organization = _organization_field(
        _("Organisation"), required=False, empty_label=_("All organisations")
    )
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles"))])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, data: Any = None, *, actor: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        scope = access.scope_ids(actor)
        organization = self.fields["organization"]
        assert isinstance(organization, forms.ModelChoiceField)
        offered = Organization.objects.all()
        organization.queryset = offered if scope is None else offered.filter(pk__in=scope)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = [("", _("All roles")), *Role.choices]

    def filter(self, people: QuerySet[User]) -> QuerySet[User]:
        """The people matching the filters; a malformed filter is ignored, the others apply."""
        self.is_valid()
        data = self.cleaned_data
        people = search_people(people, data.get("q") or "")
        memberships = Membership.objects.filter(user=OuterRef("pk"), is_active=True)
        if data.get("organization"):
            memberships = memberships.filter(organization=data["organization"])
        if data.get("role"):
            memberships = memberships.filter(role=data["role"])
        if data.get("organization") or data.get("role"):
            people = people.filter(Exists(memberships))
        invited = Exists(AccountInvitation.objects.filter(user=OuterRef("pk")))
        awaiting = Q(is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX)
        status = data.get("status")
        if status == AccountStatus.ACTIVE:
            people = people.filter(is_active=True)
        elif status == AccountStatus.INACTIVE:
            people = people.filter(is_active=False)
        elif status == AccountStatus.INVITED:
            people = people.filter(awaiting, invited)
        elif status == AccountStatus.NOT_INVITED:
            people = people.filter(awaiting, ~invited)
        return people


class PersonCreateForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("The person signs in with it; the activation email goes there."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    organization = _organization_field(_("Organisation"))
    role = forms.ChoiceField(label=_("Role"))
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    send_invitation = forms.BooleanField(
        label=_("Send the activation email now"),
        required=False,
        initial=True,
        help_text=_("A link to choose a password, valid for %(days)d days."),
    )

    def __init__(self, data: Any = None, *, actor: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        organization = self.fields["organization"]
        assert isinstance(organization, forms.ModelChoiceField)
        organization.queryset = access.grantable_organizations(actor)
        self.fields["role"] = _role_field(actor, _("Role"))
        self.fields["send_invitation"].help_text = self.fields["send_invitation"].help_text % {
            "days": activation_days()
        }
        self.order_fields(
            ["full_name", "email", "phone", "organization", "role", "position", "send_invitation"]
        )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class PersonEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, data: Any = None, *, person: User, may_change_email: bool) -> None:
        initial = {"full_name": person.full_name, "email": person.email, "phone": person.phone}
        super().__init__(data, initial=initial)
        if not may_change_email:
            self.fields["email"].disabled = True
            self.fields["email"].help_text = EMAIL_LOCKED


class MembershipForm(forms.Form):
    organization = _organization_field(_("Organisation"))
    role = forms.ChoiceField(label=_("Role"))
    position = forms.CharField(label=_("Position"), max_length=150, required=False)

    def __init__(self, data: Any = None, *, actor: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        organization = self.fields["organization"]
        assert isinstance(organization, forms.ModelChoiceField)
        organization.queryset = access.grantable_organizations(actor)
        self.fields["role"] = _role_field(actor, _("Role"))
        self.order_fields(["organization", "role", "position"])


class MembershipChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    position = forms.CharField(label=_("Position"), max_length=150, required=False)

    def __init__(
        self, data: Any = None, *, actor: User, membership: Membership, **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", f"m{membership.pk}")
        kwargs.setdefault("initial", {"role": membership.role, "position": membership.position})
        super().__init__(data, **kwargs)
        self.fields["role"] = _role_field(actor, _("Role"))
        self.order_fields(["role", "position"])


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit log, e.g. “left the association on 30/06/2026”."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that the person can no longer sign in, their open sessions end "
            "and their API tokens are revoked."
        )
    )


class ExpertAccountsForm(forms.Form):
    """The registry's bulk action: accounts for the ticked experts."""

    experts = forms.ModelMultipleChoiceField(
        label=_("Experts"),
        queryset=Expert.objects.none(),
        error_messages={"required": _("Tick at least one expert in the list.")},
    )
    organization = _organization_field(
        _("Membership organisation"),
        help_text=_("The accounts get the expert role there."),
    )
    link_existing = forms.BooleanField(
        label=_("Link accounts that already have the expert's email address"),
        required=False,
    )

    def __init__(self, data: Any = None, *, actor: User, **kwargs: Any) -> None:
        # Shown under the registry's filters, which have an "organization" field too.
        kwargs.setdefault("auto_id", "accounts-%s")
        super().__init__(data, **kwargs)
        experts = self.fields["experts"]
        assert isinstance(experts, forms.ModelMultipleChoiceField)
        experts.queryset = Expert.objects.visible_to(actor)
        organization = self.fields["organization"]
        assert isinstance(organization, forms.ModelChoiceField)
        organization.queryset = expert_organizations(actor)
        if "organization" not in self.initial:
            self.initial["organization"] = default_expert_organization(actor)


class ExpertAccountForm(forms.Form):
    """One registry record's "create account and invite" or "link the account" button."""

    organization = _organization_field(
        _("Membership organisation"),
        help_text=_("The account gets the expert role there."),
    )

    def __init__(self, data: Any = None, *, actor: User, expert: Expert, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        organization = self.fields["organization"]
        assert isinstance(organization, forms.ModelChoiceField)
        organization.queryset = expert_organizations(actor)
        self.initial.setdefault("organization", default_expert_organization(actor, expert))


def expert_organizations(actor: User) -> QuerySet[Organization]:
    """Where ``actor`` may make experts members: associations and branches in their scope."""
    if Role.EXPERT not in access.grantable_roles(actor):
        return Organization.objects.none()
    return access.grantable_organizations(actor).filter(
        kind__in=[Organization.Kind.ASSOCIATION, Organization.Kind.ASSOCIATION_BRANCH]
    )


def default_expert_organization(actor: User, expert: Expert | None = None) -> int | None:
    """The expert's own association if possible, else the actor's, else the first offered."""
    choices = list(expert_organizations(actor).values_list("pk", flat=True)[:500])
    preferred = [expert.home_organization_id] if expert is not None else []
    preferred += sorted(actor.organization_ids(Role.SECRETARIAT, Role.ADMIN))
    for pk in preferred:
        if pk in choices:
            return pk
    return choices[0] if choices else None
