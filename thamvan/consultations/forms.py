from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordMixin
from django.db.models import BLANK_CHOICE_DASH
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from thamvan.consultations.models import (
    DISCUSSION_MESSAGE_MAX_LENGTH,
    Consultation,
    DayKind,
    Opinion,
    Question,
    Response,
    State,
)
from thamvan.core.forms import DateField
from thamvan.core.locking import EditConflict, OptimisticLockForm, show_conflict
from thamvan.core.widgets import PickerSelect
from thamvan.documents.decree30 import is_plain_number
from thamvan.dossiers.models import Document, DossierVersion
from thamvan.experts.forms import YES_NO, ExpertFilterForm
from thamvan.experts.models import Expert, Specialty
from thamvan.matching.candidates import CandidateFilters, CandidateSort
from thamvan.organizations.models import Organization


class ConsultationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *State.choices]
    )
    # Set by links from the dashboard, which counts over the same scope.
    organization = forms.ModelChoiceField(
        widget=PickerSelect,
        label=_("Organisation"),
        required=False,
        queryset=Organization.objects.all(),
    )
    start = DateField(label=_("Sent from"), required=False)
    end = DateField(label=_("Sent until"), required=False)


# The registry's filters that make sense for candidates (all of them are active).
REGISTRY_FILTERS = ("q", "specialty", "rank", "degree", "organization")
MAX_OPEN_PANELS_CHOICES = 3


class CandidateFilterForm(ExpertFilterForm):
    """The panel page's candidate filters: the registry's, the expert's open panels and
    e-mail, and the order."""

    open_panels = forms.TypedChoiceField(
        label=_("Open panels"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any number")),
            ("0", _("No open panel")),
            *(
                (
                    str(n),
                    ngettext_lazy("At most %(count)s panel", "At most %(count)s panels", "count")
                    % {"count": n},
                )
                for n in range(1, MAX_OPEN_PANELS_CHOICES + 1)
            ),
        ],
    )
    has_email = forms.ChoiceField(label=_("Has an email"), required=False, choices=YES_NO)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            (CandidateSort.RANK, _("Recommendation")),
            (CandidateSort.NAME, _("Name")),
            (CandidateSort.OPEN_PANELS, _("Fewest open panels")),
            (CandidateSort.ON_TIME, _("On-time share")),
        ],
    )

    def candidate_filters(self) -> CandidateFilters:
        """The filters as matching applies them; a malformed one is ignored."""
        self.is_valid()
        data = self.cleaned_data
        experts = None
        if any(data.get(name) for name in REGISTRY_FILTERS):
            experts = frozenset(self.filter(Expert.objects.all()).values_list("pk", flat=True))
        return CandidateFilters(
            experts=experts,
            max_open_panels=data.get("open_panels"),
            has_email={"yes": True, "no": False}.get(data.get("has_email") or ""),
            sort=CandidateSort(data.get("sort") or CandidateSort.RANK),
        )


class ConsultationForm(OptimisticLockForm):
    questions_text = forms.CharField(
        label=_("Questions"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One question per line."),
    )

    class Meta:
        model = Consultation
        fields = [
            "title",
            "version",
            "association",
            "letter_number",
            "required_specialties",
            "panel_size",
            "max_per_organization",
            "needs_senior",
            "deadline_days",
            "day_kind",
            "blind_review",
            "note",
        ]
        widgets = {"required_specialties": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, dossier: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = DossierVersion.objects.filter(dossier=dossier)  # type: ignore[attr-defined]
        self.fields["association"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            kind__in=(Organization.Kind.ASSOCIATION, Organization.Kind.ASSOCIATION_BRANCH),
            is_active=True,
        )
        self.fields["required_specialties"].queryset = Specialty.objects.active()  # type: ignore[attr-defined]
        self.fields["day_kind"].choices = [("", _("As configured")), *DayKind.choices]  # type: ignore[attr-defined]
        if self.instance.pk and not self.is_bound:
            self.initial["questions_text"] = "\n".join(
                q.text for q in self.instance.questions.all()
            )

    @property
    def questions(self) -> list[str]:
        return [
            line.strip()
            for line in self.cleaned_data.get("questions_text", "").splitlines()
            if line.strip()
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ExtensionForm(forms.Form):
    deadline = DateField(label=_("New deadline"))
    reason = forms.CharField(
        label=_("Reason for the extension"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the page also holds the reason forms of the lifecycle's buttons.
        kwargs.setdefault("auto_id", "id_extension_%s")
        super().__init__(*args, **kwargs)


class DeclarationForm(forms.Form):
    declared = forms.BooleanField(
        label=_(
            "I declare that I have no relationship with the lead agency, the consultant or "
            "the investor that could affect my independence, except as stated below."
        ),
        required=False,
    )
    statement = forms.CharField(
        label=_("Independence declaration"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Describe any relationship, or write “none”."),
    )


class ActivationForm(SetPasswordMixin, forms.Form):
    """The password of the account an invitation link activates; ``user`` is the account
    about to be made, which the password validators compare the password with."""

    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        self.validate_passwords()
        self.validate_password_for_user(self.user)
        super().clean()
        return self.cleaned_data


class OpinionForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Overall verdict"),
        required=False,
        choices=[("", "—"), *Opinion.Verdict.choices],
    )
    summary = forms.CharField(
        label=_("General remarks"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, questions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"answer_{question.pk}"] = forms.CharField(
                label=f"{question.order}. {question.text}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"answer_{q.pk}", "") for q in self.questions}


class ItemForm(forms.Form):
    content = forms.CharField(label=_("Remark"), widget=forms.Textarea(attrs={"rows": 3}))
    question = forms.ModelChoiceField(
        label=_("Question"), queryset=Question.objects.none(), required=False
    )
    document = forms.ModelChoiceField(
        label=_("Document"), queryset=Document.objects.none(), required=False
    )
    section = forms.CharField(label=_("Section or page"), required=False, max_length=255)
    geometry = forms.JSONField(
        label=_("Place on the map (GeoJSON)"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question"].queryset = consultation.questions.all()  # type: ignore[attr-defined]
        self.fields["document"].queryset = Document.objects.filter(version=consultation.version_id)  # type: ignore[attr-defined]

    def clean_geometry(self) -> Any:
        value = self.cleaned_data.get("geometry")
        if not value:
            return None
        geometry = value.get("geometry", value) if isinstance(value, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in (
            "Point",
            "LineString",
            "Polygon",
        ):
            raise forms.ValidationError(_("Draw a point, a line or a polygon."))
        coordinates = geometry.get("coordinates")
        if not isinstance(coordinates, list) or not coordinates:
            raise forms.ValidationError(_("Draw a point, a line or a polygon."))
        return {"type": geometry["type"], "coordinates": coordinates}


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment"))


class OfflineOpinionForm(forms.Form):
    expert = forms.ModelChoiceField(
        label=_("Panel expert"), queryset=Expert.objects.none(), required=False
    )
    author_name = forms.CharField(
        label=_("Or another author (organisation or person)"), required=False, max_length=255
    )
    source = forms.ChoiceField(
        label=_("Received"),
        choices=[
            (Opinion.Source.PAPER, Opinion.Source.PAPER.label),
            (Opinion.Source.EMAIL, Opinion.Source.EMAIL.label),
        ],
    )
    verdict = forms.ChoiceField(label=_("Overall verdict"), choices=Opinion.Verdict.choices)
    summary = forms.CharField(
        label=_("General remarks"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    items_text = forms.CharField(
        label=_("Remarks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One remark per line."),
    )
    letter = forms.FileField(label=_("Scanned letter"), required=False)

    def __init__(self, *args: Any, experts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts  # type: ignore[attr-defined]


class SynthesisForm(forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput)
    introduction = forms.CharField(
        label=_("Introduction"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    conclusions = forms.CharField(
        label=_("Conclusions"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    recommendations = forms.CharField(
        label=_("Recommendations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One recommendation per line."),
    )


REPORT_NUMBER_ONLY = _("Type only the number, such as 45: the system adds “/%(symbol)s” to it.")


class ReportForm(forms.Form):
    report_number = forms.CharField(label=_("Report number"), required=False, max_length=30)

    def __init__(self, *args: Any, symbol: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The number is composed with the symbol, so the user types the number only.
        self.symbol = symbol
        field = self.fields["report_number"]
        field.help_text = _("Printed as “Số: 45/%(symbol)s”.") % {"symbol": symbol}
        field.widget.attrs.update({"inputmode": "numeric", "data-number-symbol": symbol})

    def clean_report_number(self) -> str:
        number: str = self.cleaned_data["report_number"].strip()
        if number and not is_plain_number(number):
            raise forms.ValidationError(
                REPORT_NUMBER_ONLY, code="number_only", params={"symbol": self.symbol}
            )
        return number


class ResponseForm(forms.Form):
    # The answer's version when the form was opened; 0 when there was none yet.
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # Blank until chosen: a row left alone is unanswered, never silently "accepted".
    result = forms.ChoiceField(
        label=_("Result"), choices=[*BLANK_CHOICE_DASH, *Response.Result.choices]
    )
    explanation = forms.CharField(
        label=_("Response and explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def keep_after_conflict(self, conflict: EditConflict) -> None:
        show_conflict(self, conflict)


class RevisionForm(forms.Form):
    version = forms.ModelChoiceField(
        label=_("Revised dossier version"), queryset=DossierVersion.objects.none()
    )

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = DossierVersion.objects.filter(  # type: ignore[attr-defined]
            dossier=consultation.dossier_id
        )


def error_text(form: forms.BaseForm) -> str:
    """A form's errors as one sentence, for views that answer with a message and a redirect."""
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


class DiscussionForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=DISCUSSION_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Messages are on record: they cannot be edited or deleted once posted."),
    )
    # Offered to the chair only; the service refuses it from anyone else.
    is_conclusion = forms.BooleanField(
        label=_("This is the panel's conclusion"),
        required=False,
        help_text=_("The synthesis offers to copy it into the conclusions."),
    )
    reply_to = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


NO_SUCH_EXPERT = _("No active expert has this id.")


class AlternateForm(forms.Form):
    """The one-click invitation of a proposed alternate; the reason only when a panel rule
    asks for one."""

    # The expert the page proposed: a different proposal since then is not invited unseen.
    expert = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for overriding"), required=False, max_length=2000)

    def clean_expert(self) -> Expert:
        expert = (
            Expert.objects.active()
            .select_related("user")
            .filter(pk=self.cleaned_data["expert"])
            .first()
        )
        if expert is None:
            raise forms.ValidationError(NO_SUCH_EXPERT, code="expert")
        return expert
