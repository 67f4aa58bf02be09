"""Optimistic locking in the Django admin, for models that inherit ``Versioned``.

The admin's change page runs in one transaction: ``LockedAdminForm.clean``
locks the row and compares the version the page was opened at with the
stored one, so the check and the save that follows are one step. A conflict
is a form error that keeps what was typed; saving again after reading it
keeps the admin's changes, as on the application's own forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.http import HttpRequest

from thamvan.core.locking import EditConflict, locked_version, show_conflict


class LockedAdminForm(forms.ModelForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lock_version"]
        field.initial = getattr(self.instance, "lock_version", 0)
        # A new object has no earlier version to clash with.
        field.required = self.instance.pk is not None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is None or not self.has_changed():
            return cleaned
        try:
            locked_version(self.instance, cleaned.get("lock_version"))
        except EditConflict as conflict:
            show_conflict(self, conflict)
        return cleaned


def _form_fields(admin: Any, request: HttpRequest, obj: Any, kwargs: dict[str, Any]) -> None:
    # The model's lock_version is not editable, so the form factory refuses it
    # by name; the form declares its own hidden field instead.
    if "fields" not in kwargs:
        kwargs["fields"] = flatten_fieldsets(admin.get_fieldsets(request, obj))
    if kwargs["fields"] is not None:
        kwargs["fields"] = [name for name in kwargs["fields"] if name != "lock_version"]


class MovesLockVersion:
    """A ModelAdmin mixin: checked saves (``LockedAdminForm``) that move the version on.

    Application forms opened before an admin save then get their conflict too.
    A custom ``form`` must subclass ``LockedAdminForm``; explicit ``fields``
    name ``lock_version`` so that the page carries it.
    """

    form: type[forms.ModelForm] = LockedAdminForm

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        _form_fields(self, request, obj, kwargs)
        return super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            obj.lock_version += 1
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for row in formset.save(commit=False):
            if row.pk is not None and hasattr(row, "lock_version"):
                row.lock_version += 1
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()


class LockedInlineFormSet(forms.BaseInlineFormSet):
    """Deleting a row is checked like changing it: not if someone changed it meanwhile."""

    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            instance = form.instance
            if instance.pk is None:
                continue
            # Raised from clean(), the conflict is the formset's error and nothing is saved.
            locked_version(instance, form.cleaned_data.get("lock_version"))


class LockedInline:
    """An inline mixin: each row carries and checks its own ``lock_version``."""

    form: type[forms.ModelForm] = LockedAdminForm
    formset: type[forms.BaseInlineFormSet] = LockedInlineFormSet

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        _form_fields(self, request, obj, kwargs)
        return super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
