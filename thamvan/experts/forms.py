from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db import models, transaction
from django.db.models import Q
from django.forms import BaseForm, BaseInlineFormSet, inlineformset_factory
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from thamvan.accounts.models import User
from thamvan.core.forms import DateField
from thamvan.core.locking import EditConflict, OptimisticLockForm, locked_version
from thamvan.core.widgets import ColleaguePicker, DossierPicker, PickerSelect
from thamvan.dossiers.models import Dossier
from thamvan.experts.models import (
    MAX_CONCURRENT_CONSULTATIONS,
    MIN_CONCURRENT_CONSULTATIONS,
    AcademicRank,
    Affiliation,
    ConflictDeclaration,
    Degree,
    Expert,
    ExpertQuerySet,
    Specialty,
    UnavailablePeriod,
)
from thamvan.organizations.models import Organization
from thamvan.search.normalize import fold, slugify_vi

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


class SpecialtyChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class UniqueContactsMixin(forms.ModelForm):
    """Report a taken membership number or email on its field, not above the form."""

    def _unique(self, field: str, message: StrOrPromise) -> str:
        value: str = (self.cleaned_data.get(field) or "").strip()
        if field == "email":
            value = value.lower()
        if value and Expert.objects.filter(**{field: value}).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(message)
        return value

    def clean_email(self) -> str:
        return self._unique("email", _("An expert with this email address already exists."))


class ExpertForm(UniqueContactsMixin, OptimisticLockForm):
    """The secretariat's form: every field of the record."""

    account_email = forms.EmailField(
        label=_("User account"),
        required=False,
        help_text=_(
            "Email of the expert's account, if they sign in to thamvan. Leave empty for an "
            "invited specialist without an account."
        ),
    )
    specialties = SpecialtyChoiceField(
        label=_("Specialties"), queryset=Specialty.objects.none(), required=False
    )
    primary_specialty = forms.ModelChoiceField(
        label=_("Primary specialty"),
        queryset=Specialty.objects.none(),
        required=False,
        help_text=_("Added to the specialties if not ticked there."),
    )

    class Meta:
        model = Expert
        fields = [
            "full_name",
            "academic_rank",
            "degree",
            "membership_number",
            "home_organization",
            "email",
            "phone",
            "max_concurrent_consultations",
            "keywords",
            "biography",
            "publications",
            "is_active",
        ]
        widgets = {
            "keywords": forms.TextInput(),
            "biography": forms.Textarea(attrs={"rows": 6}),
            "publications": forms.Textarea(attrs={"rows": 6}),
        }

    field_order = [
        "full_name",
        "academic_rank",
        "degree",
        "specialties",
        "primary_specialty",
        "membership_number",
        "home_organization",
        "account_email",
        "email",
        "phone",
        "max_concurrent_consultations",
        "keywords",
        "biography",
        "publications",
        "is_active",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["max_concurrent_consultations"].widget.attrs.update(
            {"min": MIN_CONCURRENT_CONSULTATIONS, "max": MAX_CONCURRENT_CONSULTATIONS}
        )
        instance: Expert = self.instance
        # Deactivated specialties remain choosable on an expert who already has them.
        current_ids = list(instance.specialties.values_list("pk", flat=True)) if instance.pk else []
        choices = Specialty.objects.filter(Q(is_active=True) | Q(pk__in=current_ids))
        specialties = self.fields["specialties"]
        primary = self.fields["primary_specialty"]
        assert isinstance(specialties, forms.ModelMultipleChoiceField)
        assert isinstance(primary, forms.ModelChoiceField)
        specialties.queryset = choices
        primary.queryset = choices
        home = self.fields["home_organization"]
        assert isinstance(home, forms.ModelChoiceField)
        home.queryset = Organization.objects.filter(
            Q(
                is_active=True,
                kind__in=[Organization.Kind.ASSOCIATION, Organization.Kind.ASSOCIATION_BRANCH],
            )
            | Q(pk=instance.home_organization_id)
        )
        if instance.pk:
            self.initial.setdefault("specialties", current_ids)
            primary_link = instance.expert_specialties.filter(is_primary=True).first()
            if primary_link:
                self.initial.setdefault("primary_specialty", primary_link.specialty_id)
            if instance.user_id:
                self.initial.setdefault("account_email", instance.user.email)  # type: ignore[union-attr]
        self.account: User | None = None

    def clean_full_name(self) -> str:
        name: str = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the expert's name."))
        return name

    def clean_membership_number(self) -> str:
        return self._unique(
            "membership_number", _("An expert with this membership number already exists.")
        )

    def clean_account_email(self) -> str:
        email: str = (self.cleaned_data.get("account_email") or "").strip().lower()
        if not email:
            return ""
        account = User.objects.filter(email=email, is_active=True).first()
        if account is None:
            raise forms.ValidationError(_("No active user account has this email address."))
        taken = Expert.objects.filter(user=account).exclude(pk=self.instance.pk).first()
        if taken is not None:
            raise forms.ValidationError(
                _("This account is already linked to the expert %(name)s."),
                params={"name": taken.titled_name},
            )
        self.account = account
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = list(cleaned.get("specialties") or [])
        primary = cleaned.get("primary_specialty")
        if primary is None and len(chosen) > 1:
            self.add_error(
                "primary_specialty", _("Choose which of the specialties is the primary one.")
            )
        elif primary is None and chosen:
            cleaned["primary_specialty"] = chosen[0]
        return cleaned

    def specialty_choice(self) -> tuple[list[int], int | None]:
        """The chosen specialty ids, primary first, and the primary's id."""
        primary: Specialty | None = self.cleaned_data.get("primary_specialty")
        others = [s.pk for s in self.cleaned_data.get("specialties") or [] if s != primary]
        if primary is None:
            return others, None
        return [primary.pk, *others], primary.pk

    def save(self, commit: bool = True) -> Expert:
        self.instance.user = self.account
        expert: Expert = super().save(commit=commit)
        return expert


class OwnProfileForm(UniqueContactsMixin, OptimisticLockForm):
    """What an expert keeps up to date on their own profile."""

    class Meta:
        model = Expert
        fields = ["email", "phone", "keywords", "biography", "publications"]
        widgets = {
            "keywords": forms.TextInput(),
            "biography": forms.Textarea(attrs={"rows": 6}),
            "publications": forms.Textarea(attrs={"rows": 6}),
        }


class AffiliationForm(OptimisticLockForm):
    class Meta:
        model = Affiliation
        fields = ["organization", "position", "start_date", "end_date"]
        field_classes = {"start_date": DateField, "end_date": DateField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rows are table cells; the formset's legend carries the explanation.
        self.fields["end_date"].help_text = ""
        organization = self.fields["organization"]
        assert isinstance(organization, forms.ModelChoiceField)
        organization.queryset = Organization.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.organization_id)
        )


class UnavailablePeriodForm(OptimisticLockForm):
    class Meta:
        model = UnavailablePeriod
        fields = ["start_date", "end_date", "reason"]
        field_classes = {"start_date": DateField, "end_date": DateField}


class ConflictDeclarationForm(forms.ModelForm):
    """A declared conflict of interest; the model decides which fields each kind needs.

    Organisations are all active ones, dossiers those the user may read, experts any
    active one of the registry (by name, through the colleague picker).
    """

    # Which fields belong to which kind, for the page's script to show only those.
    KIND_FIELDS = {
        "organization": "organization",
        "dossier": "project",
        "name": "project person",
        "other_expert": "person",
    }

    class Meta:
        model = ConflictDeclaration
        fields = [
            "kind",
            "organization",
            "dossier",
            "other_expert",
            "name",
            "start_date",
            "end_date",
            "reason",
        ]
        field_classes = {"start_date": DateField, "end_date": DateField}
        widgets = {
            "organization": PickerSelect,
            "dossier": DossierPicker,
            "other_expert": ColleaguePicker,
            "reason": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, data: Any = None, *, expert: Expert, actor: User, **kwargs: Any) -> None:
        super().__init__(data, instance=ConflictDeclaration(expert=expert), **kwargs)
        querysets = {
            "organization": Organization.objects.active(),
            "dossier": Dossier.objects.visible_to(actor),
            "other_expert": Expert.objects.active(),
        }
        for name, queryset in querysets.items():
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = ConflictDeclaration.Kind.choices  # a kind is always chosen: no blank
        for name, kinds in self.KIND_FIELDS.items():
            self.fields[name].widget.attrs["data-conflict-kinds"] = kinds


class _DatedFormSet(BaseInlineFormSet):
    """Rows carry their own lock_version: a row changed or removed meanwhile is a conflict."""

    ordering_field = "-start_date"

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by(self.ordering_field, "pk")

    def save_existing(self, form: Any, obj: Any, commit: bool = True) -> Any:
        return form.save_with_lock()

    def delete_existing(self, obj: Any, commit: bool = True) -> None:
        expected = next(
            form.cleaned_data.get("lock_version")
            for form in self.initial_forms
            if form.instance.pk == obj.pk
        )
        with transaction.atomic():
            locked_version(obj, expected)
            if commit:
                obj.delete()


def keep_input_after_conflict(
    form: BaseForm, formsets: list[BaseInlineFormSet], conflict: EditConflict
) -> None:
    """Show the conflict on `form` and move every hidden version to the stored one.

    What the user typed stays; saving again after reading the warning keeps it.
    """
    form.add_error(None, conflict)
    data = cast(QueryDict, form.data).copy()
    rows: list[BaseForm] = [form, *(row for formset in formsets for row in formset.forms)]
    for row in rows:
        instance = cast(models.Model, getattr(row, "instance", None))
        if instance is None or instance.pk is None:
            continue
        current = (
            type(instance)
            ._default_manager.filter(pk=instance.pk)
            .values_list("lock_version", flat=True)
            .first()
        )
        if current is not None:
            data[row.add_prefix("lock_version")] = str(current)
    form.data = data
    for formset in formsets:
        formset.data = data
        for row in formset.forms:
            row.data = data


AffiliationFormSet = inlineformset_factory(
    Expert,
    Affiliation,
    form=AffiliationForm,
    formset=_DatedFormSet,
    extra=1,
    can_delete=True,
)
UnavailablePeriodFormSet = inlineformset_factory(
    Expert,
    UnavailablePeriod,
    form=UnavailablePeriodForm,
    formset=_DatedFormSet,
    extra=1,
    can_delete=True,
)


YES_NO = [("", _("All")), ("yes", _("Yes")), ("no", _("No"))]


class ExpertFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    specialty = forms.ModelChoiceField(
        label=_("Specialty"),
        queryset=Specialty.objects.all(),
        required=False,
        empty_label=_("All specialties"),
    )
    rank = forms.ChoiceField(
        label=_("Academic rank"),
        required=False,
        choices=[("", _("All ranks")), *[c for c in AcademicRank.choices if c[0]]],
    )
    degree = forms.ChoiceField(
        label=_("Degree or title"),
        required=False,
        choices=[("", _("All degrees")), *[c for c in Degree.choices if c[0]]],
    )
    organization = forms.ModelChoiceField(
        widget=PickerSelect,
        label=_("Works at"),
        queryset=Organization.objects.all(),
        required=False,
        empty_label=_("All organisations"),
    )
    available = forms.ChoiceField(label=_("Available today"), required=False, choices=YES_NO)
    active = forms.ChoiceField(
        label=pgettext_lazy("expert", "Active"), required=False, choices=YES_NO
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        # An unfiltered registry shows active experts; "All" must be chosen explicitly.
        if data is not None and "active" not in data:
            data = data.copy()
            data["active"] = "yes"
        super().__init__(data, **kwargs)
        organization = self.fields["organization"]
        assert isinstance(organization, forms.ModelChoiceField)
        # Only organisations someone works at are worth offering.
        organization.queryset = Organization.objects.filter(
            pk__in=Affiliation.objects.current().values("organization_id")
        )

    def filter(self, experts: ExpertQuerySet) -> ExpertQuerySet:
        """The experts matching the filters; a malformed filter is ignored, the others apply."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("q"):
            experts = experts.search(data["q"])
        if data.get("specialty"):
            experts = experts.with_specialty(data["specialty"])
        if data.get("rank"):
            experts = experts.filter(academic_rank=data["rank"])
        if data.get("degree"):
            experts = experts.filter(degree=data["degree"])
        if data.get("organization"):
            experts = experts.currently_at(data["organization"])
        if data.get("available"):
            today = timezone.localdate()
            experts = (
                experts.available_on(today)
                if data["available"] == "yes"
                else experts.unavailable_on(today)
            )
        if data.get("active"):
            experts = experts.filter(is_active=data["active"] == "yes")
        return experts


class SpecialtyForm(OptimisticLockForm):
    class Meta:
        model = Specialty
        fields = ["name", "slug", "description", "display_order", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Matching exports and saved instances refer to specialties by slug.
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = _("The identifier cannot change once created.")

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the specialty's name."))
        duplicate = Specialty.objects.filter(name_key=fold(name)).exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise forms.ValidationError(_("A specialty with this name already exists."))
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk or not cleaned.get("name") or cleaned.get("slug"):
            return cleaned
        slug = slugify_vi(cleaned["name"])
        if not slug:
            self.add_error("slug", _("Enter an identifier in Latin letters, digits and hyphens."))
        elif Specialty.objects.filter(slug=slug).exists():
            self.add_error(
                "slug",
                _("The identifier “%(slug)s” is already used; enter another.") % {"slug": slug},
            )
        else:
            cleaned["slug"] = slug
        return cleaned


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("Excel (.xlsx) or CSV in UTF-8, with the template's column headers."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
