from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import User
from thamvan.core.forms import DateField
from thamvan.core.locking import OptimisticLockForm
from thamvan.core.widgets import PickerSelect, PickerSelectMultiple
from thamvan.dossiers.models import Dossier
from thamvan.events.models import Workshop
from thamvan.organizations.models import Organization
from thamvan.programme.models import Task

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WorkshopForm(OptimisticLockForm):
    class Meta:
        model = Workshop
        fields = [
            "kind",
            "topic",
            "description",
            "starts_at",
            "ends_at",
            "venue",
            "online_url",
            "agenda",
            "host",
            "dossiers",
            "tasks",
        ]
        widgets = {
            "starts_at": DATETIME_INPUT,
            "ends_at": DATETIME_INPUT,
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The workshop must end after it starts."))
        if not data.get("venue") and not data.get("online_url"):
            self.add_error("venue", _("Give a venue or an online link."))
        return data


class InviteForm(forms.Form):
    users = forms.ModelMultipleChoiceField(
        label=_("Invitees"),
        queryset=User.objects.none(),
        widget=PickerSelectMultiple,
        help_text=_("Experts and officials with an account."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["users"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = User.objects.filter(is_active=True, memberships__is_active=True).distinct()


class ReplyForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Reply"),
        choices=[("yes", _("I will attend")), ("no", _("I cannot attend"))],
        coerce=lambda value: value == "yes",
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


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
