from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import User
from thamvan.core.forms import DateField
from thamvan.core.widgets import PickerSelect
from thamvan.dashboard.access import organization_choices
from thamvan.organizations.models import Organization


class DashboardFilterForm(forms.Form):
    organization: forms.ModelChoiceField = forms.ModelChoiceField(
        widget=PickerSelect,
        label=_("Organisation"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("All in my scope"),
    )
    start = DateField(label=_("From"), required=False)
    end = DateField(label=_("To"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organization_choices(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period must end after it starts."))
        return data
