from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from thamvan.accounts.models import Role, User
from thamvan.core.locking import OptimisticLockForm
from thamvan.core.uploads import BOUNDARY_KINDS, GEOJSON_MAX_BYTES, check_upload
from thamvan.core.widgets import PickerSelect, PickerSelectMultiple
from thamvan.dossiers.access import lead_agency_choices
from thamvan.dossiers.geometry import BoundaryFacts, checked_boundary
from thamvan.dossiers.models import Confidentiality, Document, Dossier, DossierVersion
from thamvan.dossiers.services import CODE_TAKEN
from thamvan.organizations.models import AdministrativeUnit, Organization

SCALE_NOTE_REQUIRED = _("Describe the scale when it is not one of the listed ones.")
CODE_REQUIRED = _("Enter the dossier's code.")
NAME_REQUIRED = _("Enter the dossier's name.")


def _communes() -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE).order_by(
        "name_key"
    )


class DossierForm(OptimisticLockForm):
    """The dossier's facts and boundary; saving goes through the services.

    The hidden ``lock_version`` goes to ``dossier_update(expected_version=)``.
    """

    boundary = forms.CharField(
        label=_("Boundary (GeoJSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "geojson"}),
        help_text=_(
            "Draw the boundary on the map, upload a GeoJSON file or paste a GeoJSON "
            "Polygon or MultiPolygon in longitude/latitude (WGS 84)."
        ),
    )
    boundary_file = forms.FileField(
        label=_("Boundary file (GeoJSON)"),
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json"}),
        help_text=_("Replaces the boundary above."),
    )

    class Meta:
        model = Dossier
        fields = [
            "code",
            "name",
            "kind",
            "stage",
            "scale",
            "scale_note",
            "lead_agency",
            "preparing_consultant",
            "investor",
            "confidentiality",
            "communes",
            "area_ha",
            "description",
        ]
        help_texts = {
            "area_ha": _("Computed from the boundary when there is one."),
            "confidentiality": _(
                "Public: every signed-in user. Internal: government agencies, leadership and "
                "the association's secretariat. Restricted: your organisation, its leadership "
                "and, once a consultation is sent, the secretariat and the expert panel."
            ),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "communes": PickerSelectMultiple,
            "lead_agency": PickerSelect,
            "preparing_consultant": PickerSelect,
            "investor": PickerSelect,
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Derived while validating, before the service opens its transaction.
        self.boundary_facts: BoundaryFacts | None = None
        organizations = Organization.objects.active().order_by("name_key")
        lead_agency = self.fields["lead_agency"]
        assert isinstance(lead_agency, forms.ModelChoiceField)
        allowed = lead_agency_choices(user)
        lead_agency.queryset = (
            organizations if allowed is None else organizations.filter(pk__in=allowed)
        )
        for name in ("preparing_consultant", "investor"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = organizations
        communes = self.fields["communes"]
        assert isinstance(communes, forms.ModelMultipleChoiceField)
        communes.queryset = _communes()
        if self.instance.pk is None:
            # Officers usually register dossiers for their own organisation.
            lead_agency.initial = min(user.organization_ids(Role.AGENCY_OFFICER), default=None)
        if self.instance.pk is not None and self.instance.boundary and not self.is_bound:
            self.initial["boundary"] = json.dumps(self.instance.boundary, ensure_ascii=False)

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip().upper()
        if not code:
            raise ValidationError(CODE_REQUIRED, code="required")
        if Dossier.objects.filter(code__iexact=code).exclude(pk=self.instance.pk).exists():
            raise ValidationError(CODE_TAKEN, code="code_taken")
        return code

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(NAME_REQUIRED, code="required")
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("scale") == Dossier.Scale.OTHER and not cleaned.get("scale_note"):
            self.add_error("scale_note", SCALE_NOTE_REQUIRED)
        upload = cleaned.get("boundary_file")
        text = (cleaned.get("boundary") or "").strip()
        try:
            if upload:
                self.boundary_facts = self._boundary_from_file(upload)
            elif text:
                self.boundary_facts = checked_boundary(text)
        except ValidationError as error:
            self.add_error("boundary_file" if upload else "boundary", error)
        else:
            if upload and self.boundary_facts is not None:
                # Put the file's geometry in the text field so a re-displayed
                # form keeps it: browsers never send a file twice.
                data = cast(QueryDict, self.data).copy()
                geometry = self.boundary_facts.boundary
                data[self.add_prefix("boundary")] = json.dumps(geometry, ensure_ascii=False)
                self.data = data
        cleaned["boundary"] = None if self.boundary_facts is None else self.boundary_facts.boundary
        return cleaned

    def _boundary_from_file(self, upload: Any) -> BoundaryFacts:
        # A boundary file is parsed whole in memory, so it has its own, lower limit.
        limit = min(settings.UPLOAD_MAX_BYTES, GEOJSON_MAX_BYTES)
        check_upload(upload, allowed=BOUNDARY_KINDS, filename=upload.name, max_bytes=limit)
        upload.seek(0)
        return checked_boundary(upload.read())

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs = {field: data[field] for field in self.Meta.fields if field != "communes"}
        kwargs["boundary"] = self.boundary_facts
        if self.boundary_facts is not None:
            kwargs.pop("area_ha")
        return kwargs


class DossierFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Dossier.Kind.choices]
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages")), *Dossier.Stage.choices]
    )
    commune = forms.ModelChoiceField(
        widget=PickerSelect,
        label=_("Commune or ward"),
        required=False,
        queryset=AdministrativeUnit.objects.none(),
        empty_label=_("All communes and wards"),
    )
    lead_agency = forms.ModelChoiceField(
        widget=PickerSelect,
        label=_("Lead agency"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("All agencies"),
    )
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"),
        required=False,
        choices=[("", _("All levels")), *Confidentiality.choices],
    )

    def __init__(self, *args: Any, visible: QuerySet[Dossier], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        commune = self.fields["commune"]
        assert isinstance(commune, forms.ModelChoiceField)
        commune.queryset = _communes()
        lead_agency = self.fields["lead_agency"]
        assert isinstance(lead_agency, forms.ModelChoiceField)
        # Only agencies leading a dossier the user can see, not every organisation.
        lead_agency.queryset = Organization.objects.filter(
            pk__in=visible.order_by().values("lead_agency_id")
        ).order_by("name_key")

    def apply(self, dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
        """The dossiers matching every valid filter; an invalid one is ignored."""
        self.is_valid()
        data = self.cleaned_data
        if text := data.get("q"):
            dossiers = dossiers.search(text)  # type: ignore[attr-defined]
        for field in ("kind", "stage", "confidentiality"):
            if value := data.get(field):
                dossiers = dossiers.filter(**{field: value})
        if commune := data.get("commune"):
            dossiers = dossiers.filter(communes=commune)
        if lead_agency := data.get("lead_agency"):
            dossiers = dossiers.filter(lead_agency=lead_agency)
        return dossiers


class VersionForm(forms.ModelForm):
    copy_documents_from = forms.ModelChoiceField(
        label=_("Start with the documents of"),
        required=False,
        queryset=DossierVersion.objects.none(),
        empty_label=_("No documents (start empty)"),
    )

    class Meta:
        model = DossierVersion
        fields = ["label", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        copy_from = self.fields["copy_documents_from"]
        assert isinstance(copy_from, forms.ModelChoiceField)
        copy_from.queryset = dossier.versions.order_by("-number")
        copy_from.initial = copy_from.queryset.first()


class DocumentForm(forms.Form):
    title = forms.CharField(
        label=pgettext_lazy("document", "Title"),
        max_length=255,
        required=False,
        help_text=_("Leave empty to use the file's name."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Document.Kind.choices)
    # Emptiness, size and type are checked on content by the upload service,
    # with one set of messages for every upload in the project.
    file = forms.FileField(label=_("File"), allow_empty_file=True)
