from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from thamvan.accounts.models import User
from thamvan.core.forms import DateField
from thamvan.core.locking import OptimisticLockForm
from thamvan.core.widgets import (
    ExpertPicker,
    ExpertPickerMultiple,
    PickerSelect,
    PickerSelectMultiple,
)
from thamvan.dossiers.models import Dossier
from thamvan.experts.models import Expert
from thamvan.organizations.models import Organization
from thamvan.programme.models import Task
from thamvan.research.models import Output, ResearchTopic


class TopicForm(OptimisticLockForm):
    class Meta:
        model = ResearchTopic
        fields = [
            "code",
            "title",
            "summary",
            "lead_expert",
            "team",
            "commissioning_organization",
            "budget_vnd",
            "start_on",
            "end_on",
            "dossiers",
            "tasks",
        ]
        field_classes = {"start_on": DateField, "end_on": DateField}
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "lead_expert": ExpertPicker,
            "team": ExpertPickerMultiple,
            "dossiers": PickerSelectMultiple,
            "tasks": PickerSelectMultiple,
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("lead_expert", Expert.objects.filter(is_active=True)),
            ("team", Expert.objects.filter(is_active=True)),
            ("commissioning_organization", Organization.objects.active()),
            ("dossiers", Dossier.objects.visible_to(user)),
            ("tasks", Task.objects.visible_to(user)),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_on"), data.get("end_on")
        if start and end and end < start:
            self.add_error("end_on", _("The end must not be before the start."))
        return data


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=255)
    due_on = DateField(label=_("Due on"))


class OutputForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Output.Kind.choices)
    title = forms.CharField(label=pgettext_lazy("research output", "Title"), max_length=255)
    delivered_on = DateField(label=_("Delivered on"), required=False)


class TopicFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ResearchTopic.Status.choices],
    )
    organization = forms.ModelChoiceField(
        widget=PickerSelect,
        label=_("Commissioning organisation"),
        required=False,
        queryset=Organization.objects.all(),
        empty_label=_("All organisations"),
    )
    start = DateField(label=_("Active from"), required=False)
    end = DateField(label=_("Active to"), required=False)
