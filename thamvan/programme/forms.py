from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import User
from thamvan.core.forms import DateField
from thamvan.core.locking import OptimisticLockForm
from thamvan.core.widgets import PickerSelect, PickerSelectMultiple
from thamvan.organizations.models import Organization
from thamvan.programme.models import Conclusion, Directive, Programme, Task, TaskStatus
from thamvan.search.normalize import nfc


class ProgrammeForm(OptimisticLockForm):
    objectives = forms.CharField(
        label=_("Objectives"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One objective per line."),
    )

    class Meta:
        model = Programme
        fields = ["code", "name", "period_start", "period_end", "parties", "description"]
        field_classes = {"period_start": DateField, "period_end": DateField}
        widgets = {"parties": PickerSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parties = self.fields["parties"]
        assert isinstance(parties, forms.ModelMultipleChoiceField)
        parties.queryset = Organization.objects.active()
        if self.instance.pk and not self.is_bound:
            self.initial["objectives"] = "\n".join(o.text for o in self.instance.objectives.all())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period must end after it starts."))
        return data

    def objective_lines(self) -> list[str]:
        return [
            line.strip()
            for line in nfc(self.cleaned_data.get("objectives") or "").splitlines()
            if line.strip()
        ]


class TaskForm(OptimisticLockForm):
    class Meta:
        model = Task
        fields = [
            "code",
            "title",
            "description",
            "parent",
            "lead_organization",
            "cooperating_organizations",
            "owner",
            "start",
            "deadline",
            "weight",
        ]
        field_classes = {"start": DateField, "deadline": DateField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "cooperating_organizations": PickerSelectMultiple,
        }

    def __init__(self, *args: Any, programme: Programme | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme or self.instance.programme
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parents = (
            Task.objects.filter(programme=self.programme) if self.programme else Task.objects.none()
        )
        if self.instance.pk:
            parents = parents.exclude(pk__in=_descendant_ids(self.instance))
        parent.queryset = parents.order_by("code", "pk")
        for name in ("lead_organization", "cooperating_organizations"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Organization.objects.active()
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = User.objects.filter(is_active=True, memberships__is_active=True).distinct()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, deadline = data.get("start"), data.get("deadline")
        if start and deadline and deadline < start:
            self.add_error("deadline", _("The deadline must not be before the start."))
        return data

    def clean_title(self) -> str:
        title: str = nfc(self.cleaned_data["title"]).strip()
        if not title:
            raise forms.ValidationError(_("Enter the task's title."))
        return title


def _descendant_ids(task: Task) -> set[int]:
    ids = {task.pk}
    frontier = {task.pk}
    while frontier:
        frontier = (
            set(Task.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
        )
        ids |= frontier
    return ids


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)


class ProgressReportForm(forms.Form):
    reported_on = DateField(label=_("Report date"))
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(
        label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)


class TaskFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *TaskStatus.choices]
    )
    organization = forms.ModelChoiceField(
        widget=PickerSelect,
        label=_("Organisation"),
        required=False,
        queryset=Organization.objects.all(),
        empty_label=_("All organisations"),
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        required=False,
        queryset=Programme.objects.all(),
        empty_label=_("All programmes"),
    )
    directive = forms.ModelChoiceField(
        label=_("Directive"),
        required=False,
        queryset=Directive.objects.all(),
        empty_label=_("All directives"),
    )
    start = DateField(label=_("Deadline from"), required=False)
    end = DateField(label=_("Deadline to"), required=False)


class DirectiveForm(OptimisticLockForm):
    attachment_file = forms.FileField(
        label=_("Attachment"),
        required=False,
        help_text=_("PDF, Word, Excel, image or ZIP."),
    )

    class Meta:
        model = Directive
        fields = ["kind", "number", "issuer", "issued_on", "title", "summary", "programme"]
        field_classes = {"issued_on": DateField}
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}

    def clean_number(self) -> str:
        return nfc(self.cleaned_data["number"]).strip()


class DirectiveFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Directive.Kind.choices]
    )


class ConclusionForm(forms.ModelForm):
    class Meta:
        model = Conclusion
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class AssignForm(forms.Form):
    lead_organization = forms.ModelChoiceField(
        widget=PickerSelect, label=_("Lead organisation"), queryset=Organization.objects.active()
    )
    cooperating = forms.ModelMultipleChoiceField(
        label=_("Cooperating organisations"),
        required=False,
        queryset=Organization.objects.active(),
        widget=PickerSelectMultiple,
    )
    deadline = DateField(label=_("Deadline"), required=False)
    title = forms.CharField(
        label=_("Task title"),
        required=False,
        max_length=500,
        help_text=_("Leave empty to use the conclusion's text."),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx)"))
