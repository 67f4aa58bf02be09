from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import User
from thamvan.core.forms import DateField, TimeField
from thamvan.core.locking import OptimisticLockForm
from thamvan.core.widgets import PickerSelect, PickerSelectMultiple, RemotePickerMixin
from thamvan.dossiers.models import Dossier
from thamvan.events.models import Workshop, invitable_users
from thamvan.events.services import GUEST_EMAIL_INVALID
from thamvan.organizations.models import Organization
from thamvan.programme.models import Task

ENDS_BEFORE_START = _("The workshop must end after it starts.")


def _at(day: date, moment: time) -> datetime:
    # Workshops are held in Vietnam: the wall-clock time typed is Hanoi's.
    return timezone.make_aware(datetime.combine(day, moment), timezone.get_default_timezone())


class WorkshopForm(OptimisticLockForm):
    """The workshop's facts; its start and end are typed as a dd/mm/yyyy day and an HH:MM time."""

    start_date = DateField(label=_("Start date"))
    start_time = TimeField(label=_("Start time"))
    end_date = DateField(
        label=_("End date"),
        required=False,
        help_text=_("Leave it empty when the workshop ends on the day it starts."),
    )
    end_time = TimeField(label=_("End time"))

    field_order = [
        "kind",
        "topic",
        "description",
        "start_date",
        "start_time",
        "end_date",
        "end_time",
    ]

    class Meta:
        model = Workshop
        fields = [
            "kind",
            "topic",
            "description",
            "venue",
            "online_url",
            "agenda",
            "host",
            "dossiers",
            "tasks",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "agenda": forms.Textarea(attrs={"rows": 5}),
            "dossiers": PickerSelectMultiple,
            "tasks": PickerSelectMultiple,
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("host", Organization.objects.active()),
            ("dossiers", Dossier.objects.visible_to(user)),
            ("tasks", Task.objects.visible_to(user)),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
        if self.instance.pk is not None:
            zone = timezone.get_default_timezone()
            starts = timezone.localtime(self.instance.starts_at, zone)
            ends = timezone.localtime(self.instance.ends_at, zone)
            self.initial.setdefault("start_date", starts.date())
            self.initial.setdefault("start_time", starts.time())
            if ends.date() != starts.date():
                self.initial.setdefault("end_date", ends.date())
            self.initial.setdefault("end_time", ends.time())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start_date, start_time = data.get("start_date"), data.get("start_time")
        end_time = data.get("end_time")
        if start_date and start_time and end_time and "end_date" not in self.errors:
            end_date = data.get("end_date") or start_date
            starts, ends = _at(start_date, start_time), _at(end_date, end_time)
            if ends < starts:
                self.add_error(
                    "end_time" if end_date == start_date else "end_date", ENDS_BEFORE_START
                )
            else:
                # Not fields of the model form: set here so the model's own checks see them.
                self.instance.starts_at, self.instance.ends_at = starts, ends
        if not data.get("venue") and not data.get("online_url"):
            self.add_error("venue", _("Give a venue or an online link."))
        return data


def invitee_label(user: User) -> str:
    # Two members may share a name; the address tells them apart.
    return f"{user.full_name or user.email} · {user.email}"


class InviteePicker(RemotePickerMixin, PickerSelectMultiple):
    url_name = "events:pick_invitees"


class InviteeField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return invitee_label(obj)


class InviteForm(forms.Form):
    users = InviteeField(
        label=_("Invitees"),
        queryset=User.objects.none(),
        widget=InviteePicker,
        help_text=_("Experts and officials with an account: type a name or an e-mail address."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["users"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = invitable_users()


REPLY_CHOICES = [("yes", _("I will attend")), ("no", _("I cannot attend"))]


def _is_yes(value: str) -> bool:
    return value == "yes"


class ReplyForm(forms.Form):
    accept = forms.TypedChoiceField(label=_("Reply"), choices=REPLY_CHOICES, coerce=_is_yes)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class ChoiceButtons(forms.RadioSelect):
    """Radio buttons in a fieldset carrying the field's id, which the error summary links to."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return id_ if index is None else super().id_for_label(id_, index)


class GuestReplyForm(ReplyForm):
    """The guest's answer on the page of their link: the two choices as radio buttons."""

    accept = forms.TypedChoiceField(
        label=_("Will you attend?"),
        choices=REPLY_CHOICES,
        coerce=_is_yes,
        widget=ChoiceButtons,
        error_messages={"required": _("Choose whether you will attend.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        help_text=_("Optional, for example who will attend in your place."),
    )


class GuestForm(forms.Form):
    """A person without an account, invited by name and e-mail address."""

    name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        error_messages={"invalid": GUEST_EMAIL_INVALID},
    )
    organization = forms.CharField(label=_("Organisation"), max_length=255, required=False)
    position = forms.CharField(label=_("Position"), max_length=150, required=False)


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 10}))
    conclusions = forms.CharField(
        label=_("Conclusions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One conclusion per line; each can later become a task."),
    )


class ConclusionTaskForm(forms.Form):
    lead_organization = forms.ModelChoiceField(
        widget=PickerSelect, label=_("Lead organisation"), queryset=Organization.objects.active()
    )
    deadline = DateField(label=_("Deadline"), required=False)


class WorkshopFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Workshop.Status.choices],
    )
    when = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[("", _("Any time")), ("upcoming", _("Upcoming")), ("past", _("Past"))],
    )
    organization = forms.ModelChoiceField(
        widget=PickerSelect,
        label=_("Host organisation"),
        required=False,
        queryset=Organization.objects.all(),
        empty_label=_("All organisations"),
    )
    start = DateField(label=_("From"), required=False)
    end = DateField(label=_("To"), required=False)
