from django import forms
from django.utils.translation import gettext_lazy as _

from thamvan.core.locking import OptimisticLockForm
from thamvan.organizations.models import AdministrativeUnit, Organization


class OrganizationForm(OptimisticLockForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "abbreviation",
            "kind",
            "parent",
            "administrative_unit",
            "address",
            "email",
            "phone",
            "website",
            "is_active",
        ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        queryset = Organization.objects.active()
        if self.instance.pk:
            # An organisation cannot sit below itself or its own descendants.
            queryset = queryset.exclude(pk__in=self.instance.descendant_ids())
        parent.queryset = queryset

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the organisation's name."))
        return name


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Organization.Kind.choices]
    )


class AdministrativeUnitChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(queryset=AdministrativeUnit.objects.all(), **kwargs)  # type: ignore[arg-type]
