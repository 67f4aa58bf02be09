"""Writes to the expert registry.

Form-backed writes take already-validated forms so that the views keep what
the user typed on error; the import applies a parsed file in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from thamvan import audit
from thamvan.accounts.models import User
from thamvan.core.locking import save_with_lock
from thamvan.core.uploads import IMPORT_KINDS, check_upload, generated_key
from thamvan.dossiers.models import Dossier
from thamvan.experts.access import (
    can_declare_conflicts,
    can_manage_registry,
    can_withdraw_conflicts,
)
from thamvan.experts.forms import ExpertForm, OwnProfileForm
from thamvan.experts.importing import ParseResult, RowResult, parse_file
from thamvan.experts.models import (
    Affiliation,
    ConflictDeclaration,
    Expert,
    ExpertImport,
    ExpertSpecialty,
    Specialty,
)
from thamvan.organizations.models import Organization
from thamvan.search.indexing import index_object

logger = logging.getLogger(__name__)

IMPORT_STORAGE_PREFIX = "expert-imports"

NOT_A_REGISTRY_MANAGER = gettext_lazy("Only the secretariat can change the expert registry.")
NOT_YOUR_PROFILE = gettext_lazy("You can only change your own expert profile.")
CANNOT_DECLARE = gettext_lazy(
    "Only the expert, or the secretariat on their behalf, can declare the expert's conflicts "
    "of interest."
)
ONLY_THE_EXPERT_WITHDRAWS = gettext_lazy("Only the expert can withdraw their own declaration.")
ALREADY_WITHDRAWN = gettext_lazy("This declaration has already been withdrawn.")
IMPORT_HAS_ERRORS = gettext_lazy(
    "Nothing was imported: the file has errors. Fix them and upload the file again."
)
IMPORT_NOT_PENDING = gettext_lazy("This file has already been imported or discarded.")
IMPORT_FILE_GONE = gettext_lazy(
    "The uploaded file is no longer kept (files are deleted after 24 hours). Upload it again."
)
IMPORT_REGISTRY_CHANGED = gettext_lazy(
    "Nothing was imported: the registry changed since the preview and some rows no longer "
    "import. The preview below shows them; fix the file and upload it again."
)
IMPORT_CONFLICT = gettext_lazy(
    "Nothing was imported: another change to the registry conflicted with this file. "
    "Upload it again to see the current preview."
)


class ImportNotAllowed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def import_max_bytes() -> int:
    return int(getattr(settings, "EXPERT_IMPORT_MAX_BYTES", 10 * 1024 * 1024))


def _require_manager(actor: User) -> None:
    if not can_manage_registry(actor):
        raise PermissionDenied(NOT_A_REGISTRY_MANAGER)


# ---------------------------------------------------------------------------
# Specialties of an expert
# ---------------------------------------------------------------------------


def expert_set_specialties(
    expert: Expert, specialty_ids: Sequence[int], primary_id: int | None
) -> None:
    """Replace the expert's specialties; ``primary_id`` (one of them) is the primary."""
    ExpertSpecialty.objects.filter(expert=expert).delete()
    ExpertSpecialty.objects.bulk_create(
        ExpertSpecialty(expert=expert, specialty_id=pk, is_primary=pk == primary_id)
        for pk in dict.fromkeys(specialty_ids)
    )


# ---------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------


def _affiliation_facts(affiliation: Affiliation) -> dict[str, object]:
    return {
        "id": affiliation.pk,
        "organization": affiliation.organization_id,
        "position": affiliation.position,
        "start_date": affiliation.start_date,
        "end_date": affiliation.end_date,
    }


def _record_profile_change(
    *,
    actor: User,
    action: str,
    expert: Expert,
    form: OwnProfileForm | ExpertForm,
    affiliations: BaseInlineFormSet,
    unavailable_periods: BaseInlineFormSet,
    request: HttpRequest | None,
) -> None:
    changed = [name for name in form.changed_data if name != "lock_version"]
    periods = unavailable_periods
    if periods.new_objects or periods.changed_objects or periods.deleted_objects:
        changed.append("unavailable_periods")
    audit.record(
        actor=actor,
        action=action,
        target=expert,
        data={"changed": changed, "lock_version": expert.lock_version},
        request=request,
    )
    # Affiliations decide conflicts of interest in matching: each change is logged.
    added = [_affiliation_facts(a) for a in affiliations.new_objects]
    updated = [_affiliation_facts(a) for a, _fields in affiliations.changed_objects]
    removed = [_affiliation_facts(a) for a in affiliations.deleted_objects]
    if added or updated or removed:
        audit.record(
            actor=actor,
            action="expert.affiliations_changed",
            target=expert,
            data={"added": added, "changed": updated, "removed": removed},
            request=request,
        )


def expert_save(
    *,
    actor: User,
    form: ExpertForm,
    affiliations: BaseInlineFormSet,
    unavailable_periods: BaseInlineFormSet,
    request: HttpRequest | None = None,
) -> Expert:
    """Create or update an expert from the secretariat's validated form and formsets.

    Raises EditConflict (and saves nothing) when the record or one of its rows
    changed since the form was opened.
    """
    _require_manager(actor)
    creating = form.instance.pk is None
    with transaction.atomic():
        expert = form.save_with_lock()
        specialty_ids, primary_id = form.specialty_choice()
        expert_set_specialties(expert, specialty_ids, primary_id)
        for formset in (affiliations, unavailable_periods):
            formset.instance = expert
            formset.save()
        index_object(expert)
        _record_profile_change(
            actor=actor,
            action="expert.created" if creating else "expert.updated",
            expert=expert,
            form=form,
            affiliations=affiliations,
            unavailable_periods=unavailable_periods,
            request=request,
        )
    return expert


def expert_update_own_profile(
    *,
    actor: User,
    form: OwnProfileForm,
    affiliations: BaseInlineFormSet,
    unavailable_periods: BaseInlineFormSet,
    request: HttpRequest | None = None,
) -> Expert:
    """Save the parts of a profile its owner keeps: contacts, texts, affiliations, absences.

    Raises EditConflict (and saves nothing) like ``expert_save``.
    """
    expert: Expert = form.instance
    if expert.user_id is None or expert.user_id != actor.pk:
        raise PermissionDenied(NOT_YOUR_PROFILE)
    with transaction.atomic():
        form.save_with_lock()
        for formset in (affiliations, unavailable_periods):
            formset.instance = expert
            formset.save()
        index_object(expert)
        _record_profile_change(
            actor=actor,
            action="expert.profile_updated",
            expert=expert,
            form=form,
            affiliations=affiliations,
            unavailable_periods=unavailable_periods,
            request=request,
        )
    return expert


def specialty_set_active(
    *, actor: User, specialty: Specialty, active: bool, request: HttpRequest | None = None
) -> Specialty:
    _require_manager(actor)
    with transaction.atomic():
        specialty.is_active = active
        # Moves the version on so a form opened before the switch notices it.
        save_with_lock(specialty, expected_version=None, update_fields=["is_active"])
        audit.record(
            actor=actor,
            action="specialty.activated" if active else "specialty.deactivated",
            target=specialty,
            request=request,
        )
    return specialty


# ---------------------------------------------------------------------------
# Declared conflicts of interest
# ---------------------------------------------------------------------------


def _declaration_facts(declaration: ConflictDeclaration) -> dict[str, object]:
    return {
        "expert": declaration.expert_id,
        "kind": declaration.kind,
        "organization": declaration.organization_id,
        "dossier": declaration.dossier_id,
        "other_expert": declaration.other_expert_id,
        "name": declaration.name,
        "start_date": declaration.start_date,
        "end_date": declaration.end_date,
        "reason": declaration.reason,
    }


def conflict_declare(
    *,
    actor: User,
    expert: Expert,
    kind: str,
    start_date: date,
    reason: str,
    organization: Organization | None = None,
    dossier: Dossier | None = None,
    other_expert: Expert | None = None,
    name: str = "",
    end_date: date | None = None,
    request: HttpRequest | None = None,
) -> ConflictDeclaration:
    """Record a conflict of interest the expert declares, or the secretariat records for
    them. Matching counts it from the next recommendation on.

    Raises PermissionDenied for anyone else, ValidationError when the fields do not fit
    the kind or the dates are out of order.
    """
    if not can_declare_conflicts(actor, expert):
        raise PermissionDenied(CANNOT_DECLARE)
    declaration = ConflictDeclaration(
        expert=expert,
        kind=kind,
        organization=organization,
        dossier=dossier,
        other_expert=other_expert,
        name=name,
        start_date=start_date,
        end_date=end_date,
        reason=reason,
        declared_by=actor,
    )
    declaration.full_clean()
    with transaction.atomic():
        declaration.save()
        audit.record(
            actor=actor,
            action="conflict_declaration.declared",
            target=declaration,
            data={
                **_declaration_facts(declaration),
                "on_behalf": expert.user_id != actor.pk,
            },
            request=request,
        )
    return declaration


def conflict_withdraw(
    *, actor: User, declaration: ConflictDeclaration, request: HttpRequest | None = None
) -> ConflictDeclaration:
    """The expert withdraws their declaration: it stays on record, matching ignores it.

    Raises PermissionDenied for anyone but the expert, ValidationError (code
    ``withdrawn``) when it was withdrawn already.
    """
    if not can_withdraw_conflicts(actor, declaration.expert):
        raise PermissionDenied(ONLY_THE_EXPERT_WITHDRAWS)
    now = timezone.now()
    with transaction.atomic():
        # Conditional, so two withdrawals at once record one.
        withdrawn = ConflictDeclaration.objects.filter(
            pk=declaration.pk, withdrawn_at__isnull=True
        ).update(withdrawn_at=now, withdrawn_by=actor)
        if not withdrawn:
            raise ValidationError(ALREADY_WITHDRAWN, code="withdrawn")
        declaration.withdrawn_at = now
        declaration.withdrawn_by = actor
        audit.record(
            actor=actor,
            action="conflict_declaration.withdrawn",
            target=declaration,
            data=_declaration_facts(declaration),
            request=request,
        )
    return declaration


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


def _store_preview(record: ExpertImport, result: ParseResult) -> None:
    record.rows_total = len(result.rows)
    record.rows_to_create = result.count("create")
    record.rows_to_update = result.count("update")
    record.rows_with_errors = len(result.error_rows)
    record.file_error = result.file_error
    record.preview = [row.as_preview() for row in result.rows]
    record.ignored_headers = result.ignored_headers


def _delete_file(key: str) -> None:
    if not key:
        return
    try:
        default_storage.delete(key)
    except OSError:
        # A file that cannot be deleted now is retried by the purge.
        logger.warning("Could not delete the import file %s", key, exc_info=True)


def expert_import_upload(*, actor: User, upload: UploadedFile) -> ExpertImport:
    """Check and keep the uploaded file, parse every row, and record the preview.

    Raises ``UploadRejected`` (a ValidationError) when the file is refused.
    Nothing in the registry changes until ``expert_import_queue``.
    """
    _require_manager(actor)
    filename = upload.name or "import"
    checked = check_upload(
        upload, allowed=IMPORT_KINDS, filename=filename, max_bytes=import_max_bytes()
    )
    upload.seek(0)
    data = upload.read()
    result = parse_file(data, checked.kind)
    record = ExpertImport(
        original_filename=filename[:255],
        kind=checked.kind,
        size=checked.size,
        sha256=checked.sha256,
        created_by=actor,
    )
    _store_preview(record, result)
    if result.file_error:
        # A file that cannot be imported at all is not worth keeping.
        record.status = ExpertImport.Status.FAILED
        record.finished_at = timezone.now()
    else:
        record.file_key = default_storage.save(
            generated_key(IMPORT_STORAGE_PREFIX, checked.extension), ContentFile(data)
        )
    try:
        record.save()
    except BaseException:
        _delete_file(record.file_key)
        raise
    # Expired files are removed by the hourly purge_expert_imports task, not here.
    return record


def expert_import_queue(*, actor: User, expert_import: ExpertImport) -> ExpertImport:
    """Confirm a clean preview: the import runs as a background task after commit."""
    from thamvan.experts.tasks import apply_expert_import

    _require_manager(actor)
    with transaction.atomic():
        record = ExpertImport.objects.select_for_update().get(pk=expert_import.pk)
        if record.status != ExpertImport.Status.PREVIEWED:
            raise ImportNotAllowed(str(IMPORT_NOT_PENDING))
        if not record.can_commit:
            raise ImportNotAllowed(str(IMPORT_HAS_ERRORS))
        record.status = ExpertImport.Status.QUEUED
        record.save(update_fields=["status"])
        transaction.on_commit(lambda: apply_expert_import.enqueue(record.pk, actor.pk))
    return record


def _apply_affiliation(expert: Expert, row: RowResult) -> None:
    values = row.values
    if values.organization_id is None or values.start_date is None:
        return
    same_organization = expert.affiliations.filter(organization_id=values.organization_id)
    existing = (
        same_organization.filter(start_date=values.start_date).first()
        or same_organization.filter(end_date__isnull=True).order_by("-start_date").first()
    )
    if existing is None:
        Affiliation.objects.create(
            expert=expert,
            organization_id=values.organization_id,
            position=values.position,
            start_date=values.start_date,
        )
        return
    changed = []
    if "position" in values.present and existing.position != values.position:
        existing.position = values.position
        changed.append("position")
    if existing.start_date != values.start_date:
        existing.start_date = values.start_date
        changed.append("start_date")
    if existing.end_date and existing.end_date < existing.start_date:
        existing.end_date = None
        changed.append("end_date")
    if changed:
        # A form opened on this row before the import must not overwrite it.
        existing.lock_version += 1
        existing.save(update_fields=[*changed, "lock_version"])


_PLAIN_FIELDS = (
    "full_name",
    "academic_rank",
    "degree",
    "membership_number",
    "email",
    "phone",
    "max_concurrent_consultations",
    "keywords",
    "biography",
)


def _apply_row(row: RowResult) -> Expert:
    values = row.values
    creating = row.expert_id is None
    expert = Expert() if row.expert_id is None else Expert.objects.get(pk=row.expert_id)
    for name in _PLAIN_FIELDS:
        if creating or name in values.present:
            setattr(expert, name, getattr(values, name))
    if not creating:
        # Forms opened on this profile before the import get a conflict.
        expert.lock_version += 1
    # The parser validated every value; the database constraints catch a
    # concurrent change (a membership number taken meanwhile).
    expert.save()
    if "specialties" in values.present:
        ids = values.specialty_ids
        expert_set_specialties(expert, ids, ids[0] if ids else None)
    _apply_affiliation(expert, row)
    index_object(expert)
    return expert


def _finish(record: ExpertImport, status: str, message: str = "") -> None:
    key = record.file_key
    record.status = status
    record.message = message
    record.finished_at = timezone.now()
    record.file_key = ""
    record.save()
    transaction.on_commit(lambda: _delete_file(key))


def expert_import_apply(*, actor: User | None, expert_import: ExpertImport) -> ExpertImport:
    """Import every row of the kept file in one transaction, or nothing at all.

    The file is parsed again against the registry as it is now; if any row no
    longer imports, nothing is written and the import is marked failed with
    the fresh preview.
    """
    if actor is not None:
        _require_manager(actor)
    with transaction.atomic():
        record = ExpertImport.objects.select_for_update().get(pk=expert_import.pk)
        if record.status not in (ExpertImport.Status.PREVIEWED, ExpertImport.Status.QUEUED):
            raise ImportNotAllowed(str(IMPORT_NOT_PENDING))
        try:
            with default_storage.open(record.file_key, "rb") as handle:
                data = handle.read()
        except (OSError, ValueError):
            _finish(record, ExpertImport.Status.FAILED, str(IMPORT_FILE_GONE))
            return record
        result = parse_file(data, record.kind)
        _store_preview(record, result)
        if not result.is_valid:
            _finish(record, ExpertImport.Status.FAILED, str(IMPORT_REGISTRY_CHANGED))
            return record
        try:
            with transaction.atomic():
                for row in result.rows:
                    _apply_row(row)
        except (IntegrityError, ValidationError):
            logger.info("Expert import %s conflicted with the registry", record.pk, exc_info=True)
            _finish(record, ExpertImport.Status.FAILED, str(IMPORT_CONFLICT))
            return record
        _finish(record, ExpertImport.Status.COMMITTED)
        audit.record(
            actor=actor,
            action="expert_import.committed",
            target=record,
            data={
                "file": record.original_filename,
                "sha256": record.sha256,
                "created": record.rows_to_create,
                "updated": record.rows_to_update,
            },
        )
    return record


def expert_imports_purge(*, now: datetime | None = None) -> int:
    """Delete kept files older than the retention; returns how many imports expired."""
    expired = 0
    for record in ExpertImport.objects.expired(now):
        _delete_file(record.file_key)
        record.file_key = ""
        if record.status in (ExpertImport.Status.PREVIEWED, ExpertImport.Status.QUEUED):
            record.status = ExpertImport.Status.EXPIRED
        record.save(update_fields=["file_key", "status"])
        expired += 1
    return expired
