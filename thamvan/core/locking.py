"""Optimistic locking: an edit saves only if nobody else saved the object since it was opened.

Convention: an editable model inherits `Versioned` (a `lock_version` column);
its ModelForm mixes in `OptimisticLockForm`, which carries the version the user
started from in a hidden field; the view saves with `save_form(form)`, which
returns None and puts a translated conflict error on the form (keeping what
the user typed) when someone else saved first.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

CONFLICT_MESSAGE = _(
    "Someone else saved this record while you were editing it. Your changes have not been "
    "saved; they are still in the form below. Check the current version, then save again "
    "to keep your changes."
)

M = TypeVar("M", bound="Versioned")


class Versioned(models.Model):
    lock_version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    class Meta:
        abstract = True


class EditConflict(ValidationError):
    def __init__(self, current_version: int) -> None:
        super().__init__(CONFLICT_MESSAGE, code="edit_conflict")
        self.current_version = current_version


def locked_version(instance: models.Model, expected_version: int | None) -> int:
    """Lock `instance`'s row and return its stored version; EditConflict if it moved on.

    Call inside a transaction. The row lock makes the compare-and-save one
    step on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
    `expected_version` None skips the comparison (imports, API writes without
    a version) but still locks, so the caller can move the version on.
    """
    rows = type(instance)._default_manager.select_for_update().filter(pk=instance.pk)
    current = rows.values_list("lock_version", flat=True).first()
    if current is None or (expected_version is not None and current != expected_version):
        raise EditConflict(current or 0)
    return int(current)


def save_with_lock(
    instance: M, *, expected_version: int | None, update_fields: list[str] | None = None
) -> M:
    """Save `instance` if the stored version is still `expected_version`; else EditConflict.

    A new object is simply saved. Either way an existing object's version moves
    on, so a form opened before this save reports the conflict.
    """
    if instance.pk is None:
        instance.save()
        return instance
    with transaction.atomic():
        instance.lock_version = locked_version(instance, expected_version) + 1
        if update_fields is not None:
            update_fields = [*update_fields, "lock_version"]
        instance.save(update_fields=update_fields)
    return instance


class OptimisticLockForm(forms.ModelForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lock_version"]
        field.initial = getattr(self.instance, "lock_version", 0)
        # A new object has no earlier version to clash with.
        field.required = self.instance.pk is not None

    def save_with_lock(self) -> Any:
        """Save, raising EditConflict when the object changed since the form was opened."""
        if self.instance.pk is None:
            return self.save()
        instance = self.save(commit=False)
        save_with_lock(instance, expected_version=self.cleaned_data["lock_version"])
        self.save_m2m()
        return instance


def save_form(form: OptimisticLockForm) -> Any | None:
    """Save a valid form; on a conflict add the error, keep the input, and return None.

    The hidden version moves to the stored one, so saving again after reading
    the warning deliberately keeps this user's changes.
    """
    try:
        return form.save_with_lock()
    except EditConflict as conflict:
        show_conflict(form, conflict)
        return None


def show_conflict(form: forms.BaseForm, conflict: EditConflict) -> None:
    """Put the conflict on `form`, keep what the user typed, and move its version on.

    For views that save through a service and catch EditConflict themselves:
    saving again after reading the warning deliberately keeps this user's changes.
    """
    form.add_error(None, conflict)
    data = cast(QueryDict, form.data).copy()
    data[form.add_prefix("lock_version")] = str(conflict.current_version)
    form.data = data
