from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from thamvan.search.query import MAX_QUERY_CHARS, Filters


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_QUERY_CHARS)
    type = forms.CharField(required=False, max_length=40)
    kind = forms.CharField(required=False, max_length=60)
    year = forms.IntegerField(required=False, min_value=1900, max_value=2200)
    organization = forms.IntegerField(required=False, min_value=1)
    commune = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["q"].widget.attrs.update(
            {"type": "search", "autocomplete": "off", "autofocus": True}
        )

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            type=data.get("type") or "",
            kind=data.get("kind") or "",
            year=data.get("year"),
            organization=data.get("organization"),
            commune=data.get("commune"),
        )
