"""Writes on dossiers, their versions and documents.

Each service checks the actor's permission again (views already fetched the
objects through the access helpers) and raises ``DossierError`` with one of
the messages below, which views show as a form error.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import PureWindowsPath
from typing import IO, Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan import audit
from thamvan.accounts.models import Role, User
from thamvan.audit.services import Action
from thamvan.core.locking import EditConflict, locked_version
from thamvan.core.uploads import DOCUMENT_KINDS, check_upload, generated_key
from thamvan.dossiers.access import (
    can_change_dossier,
    can_create_dossier,
    lead_agency_choices,
)
from thamvan.dossiers.geometry import BoundaryFacts, checked_boundary
from thamvan.dossiers.models import (
    BOUNDARY_FROZEN,
    VERSION_FROZEN,
    Confidentiality,
    Document,
    Dossier,
    DossierError,
    DossierVersion,
)
from thamvan.organizations.models import AdministrativeUnit, Organization
from thamvan.search.indexing import index_object, remove_object
from thamvan.search.normalize import nfc

__all__ = [
    "BOUNDARY_FROZEN",
    "CANNOT_CREATE",
    "CODE_TAKEN",
    "COPY_FROM_OTHER_DOSSIER",
    "LEAD_AGENCY_NOT_ALLOWED",
    "NOT_ALLOWED",
    "VERSION_FROZEN",
    "DossierError",
    "EditConflict",
    "document_add",
    "document_downloaded",
    "document_remove",
    "dossier_create",
    "dossier_update",
    "version_create",
    "version_freeze",
]

CANNOT_CREATE = _("Only agency officers can register planning dossiers.")
NOT_ALLOWED = _("You may not change this dossier.")
LEAD_AGENCY_NOT_ALLOWED = _(
    "The lead agency must be your own organisation or an organisation below it."
)
CODE_TAKEN = _("Another dossier already uses this code.")
COPY_FROM_OTHER_DOSSIER = _("Documents can only be copied from a version of the same dossier.")
FIRST_VERSION_LABEL = _("First version")

# Fields dossier_update may change; everything else is derived or fixed.
EDITABLE_FIELDS = frozenset(
    {
        "code",
        "name",
        "kind",
        "stage",
        "scale",
        "scale_note",
        "area_ha",
        "boundary",
        "lead_agency",
        "preparing_consultant",
        "investor",
        "description",
        "confidentiality",
    }
)


def _check_lead_agency(actor: User, lead_agency: Organization) -> None:
    allowed = lead_agency_choices(actor)
    if allowed is not None and lead_agency.pk not in allowed:
        raise DossierError(LEAD_AGENCY_NOT_ALLOWED, code="lead_agency")


def _check_code_free(code: str, *, exclude_pk: int | None = None) -> None:
    taken = Dossier.objects.filter(code__iexact=code.strip())
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise DossierError(CODE_TAKEN, code="code_taken")


Boundary = BoundaryFacts | dict[str, Any] | str | bytes | None


def _checked_boundary(boundary: Boundary) -> BoundaryFacts | None:
    # Forms pass facts they already derived; anything else (the API, imports)
    # is checked here. Callers do it before their transaction opens.
    if boundary is None or isinstance(boundary, BoundaryFacts):
        return boundary
    return checked_boundary(boundary) if boundary else None


def dossier_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    lead_agency: Organization,
    stage: str = Dossier.Stage.PREPARATION,
    scale: str = "",
    scale_note: str = "",
    area_ha: Decimal | None = None,
    boundary: Boundary = None,
    communes: Iterable[AdministrativeUnit] = (),
    preparing_consultant: Organization | None = None,
    investor: Organization | None = None,
    description: str = "",
    confidentiality: str = Confidentiality.INTERNAL,
    first_version_label: str = "",
    request: HttpRequest | None = None,
) -> Dossier:
    """Register a dossier with its first, empty version."""
    if not can_create_dossier(actor):
        raise DossierError(CANNOT_CREATE, code="forbidden")
    checked = _checked_boundary(boundary)
    with transaction.atomic():
        _check_lead_agency(actor, lead_agency)
        _check_code_free(code)
        dossier = Dossier(
            code=code,
            name=name,
            kind=kind,
            stage=stage,
            scale=scale,
            scale_note=scale_note if scale == Dossier.Scale.OTHER else "",
            area_ha=area_ha,
            lead_agency=lead_agency,
            preparing_consultant=preparing_consultant,
            investor=investor,
            description=description,
            confidentiality=confidentiality,
            created_by=actor,
        )
        dossier.set_boundary(checked)
        dossier.save()
        dossier.communes.set(communes)
        first = DossierVersion(
            dossier=dossier,
            number=1,
            label=first_version_label or str(FIRST_VERSION_LABEL),
            created_by=actor,
        )
        first.copy_boundary(dossier)
        first.save()
        index_object(dossier)
        audit.record(
            actor=actor,
            action="dossier.created",
            target=dossier,
            data={
                "code": dossier.code,
                "stage": dossier.stage,
                "confidentiality": dossier.confidentiality,
                "lead_agency": dossier.lead_agency_id,
            },
            request=request,
        )
        return dossier


def dossier_update(
    *,
    actor: User,
    dossier: Dossier,
    communes: Iterable[AdministrativeUnit] | None = None,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
    **changes: Any,
) -> Dossier:
    """Change the dossier's facts; only EDITABLE_FIELDS may be given.

    With ``expected_version`` (the ``lock_version`` the user started from) the
    change is refused with EditConflict when someone saved since; every
    update moves the version on, so form users notice API and admin changes.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"dossier_update() cannot change {', '.join(sorted(unknown))}")
    if not can_change_dossier(actor, dossier):
        raise DossierError(NOT_ALLOWED, code="forbidden")
    if "boundary" in changes:
        changes["boundary"] = _checked_boundary(changes["boundary"])
    if changes.get("boundary") or ("boundary" not in changes and dossier.boundary):
        # The area of a dossier with a boundary is the boundary's; saving a
        # typed one would only derive it again, inside the transaction.
        changes.pop("area_ha", None)
    extent = _extent_after(dossier, changes)
    with transaction.atomic():
        if "lead_agency" in changes and changes["lead_agency"].pk != dossier.lead_agency_id:
            _check_lead_agency(actor, changes["lead_agency"])
        if "code" in changes:
            _check_code_free(changes["code"], exclude_pk=dossier.pk)
        if changes.get("scale", dossier.scale) != Dossier.Scale.OTHER:
            changes["scale_note"] = ""
        stored = locked_version(dossier, expected_version)
        latest = _latest_version_open_to(extent, dossier) if extent is not None else None
        before = {field: _plain(getattr(dossier, field)) for field in changes}
        old_communes = set(dossier.communes.values_list("pk", flat=True))
        for field, value in changes.items():
            if field not in ("boundary", "area_ha"):
                setattr(dossier, field, value)
        if extent is not None:
            dossier.copy_boundary(extent)
        dossier.lock_version = stored + 1
        dossier.save(update_fields=[*changes, "updated_at", "lock_version"])
        if latest is not None:
            latest.copy_boundary(dossier)
            latest.lock_version += 1
            latest.save(update_fields=[*DossierVersion.BOUNDARY_FIELDS, "lock_version"])
        if communes is not None:
            dossier.communes.set(communes)
        index_object(dossier)
        _record_update(actor, dossier, before, old_communes, request)
    return dossier


def _extent_after(dossier: Dossier, changes: dict[str, Any]) -> DossierVersion | None:
    """The boundary and area the changes lead to; None when they touch neither."""
    if not {"boundary", "area_ha"} & set(changes):
        return None
    extent = DossierVersion()
    extent.copy_boundary(dossier)
    if "area_ha" in changes:
        extent.area_ha = changes["area_ha"]
    if "boundary" in changes:
        extent.set_boundary(changes["boundary"])
    return extent


def _latest_version_open_to(extent: DossierVersion, dossier: Dossier) -> DossierVersion | None:
    """Lock the latest version and return it when ``extent`` would change its boundary or area.

    The boundary belongs to the version: once consulted (frozen) it stays as
    sent, and a change is refused with BOUNDARY_FROZEN. Call with the dossier
    row locked, so no version is created meanwhile.
    """
    latest = dossier.versions.select_for_update().order_by("-number").first()
    if latest is None or latest.same_boundary(extent):
        return None
    if latest.is_frozen:
        raise DossierError(BOUNDARY_FROZEN, code="version_frozen", params={"number": latest.number})
    return latest


def _plain(value: Any) -> Any:
    # Compare and log related objects by id.
    return value.pk if isinstance(value, models.Model) else value


def _record_update(
    actor: User,
    dossier: Dossier,
    before: dict[str, Any],
    old_communes: set[int],
    request: HttpRequest | None,
) -> None:
    changed = sorted(f for f, old in before.items() if _plain(getattr(dossier, f)) != old)
    if set(dossier.communes.values_list("pk", flat=True)) != old_communes:
        changed.append("communes")
    data = {"changed": changed, "lock_version": dossier.lock_version}
    audit.record(actor=actor, action="dossier.updated", target=dossier, data=data, request=request)
    # Stage and confidentiality decide who sees the dossier: their own entries.
    for field in ("stage", "confidentiality"):
        if field in changed:
            audit.record(
                actor=actor,
                action=f"dossier.{field}_changed",
                target=dossier,
                data={"from": before[field], "to": getattr(dossier, field)},
                request=request,
            )


@transaction.atomic
def version_create(
    *,
    actor: User,
    dossier: Dossier,
    label: str,
    note: str = "",
    copy_documents_from: DossierVersion | None = None,
    request: HttpRequest | None = None,
) -> DossierVersion:
    """A revision: the next version number, optionally starting with another version's documents."""
    if not can_change_dossier(actor, dossier):
        raise DossierError(NOT_ALLOWED, code="forbidden")
    if copy_documents_from is not None and copy_documents_from.dossier_id != dossier.pk:
        raise DossierError(COPY_FROM_OTHER_DOSSIER, code="other_dossier")
    # Lock the dossier row so two revisions created at once get distinct numbers.
    Dossier.objects.select_for_update().filter(pk=dossier.pk).values_list("pk").get()
    previous = dossier.versions.order_by("-number").first()
    version = DossierVersion(
        dossier=dossier,
        number=previous.number + 1 if previous else 1,
        label=label,
        note=note,
        created_by=actor,
    )
    # A revision starts from the boundary of the version before; unlike that
    # one's, it can change until a consultation cites it.
    version.copy_boundary(previous or dossier)
    version.save()
    if copy_documents_from is not None:
        # The copies share the stored files, which are never changed in place;
        # document_remove deletes a file only once no document refers to it.
        copies = Document.objects.bulk_create(
            Document(
                version=version,
                title=document.title,
                kind=document.kind,
                file=document.file.name,
                original_filename=document.original_filename,
                content_type=document.content_type,
                size=document.size,
                sha256=document.sha256,
                uploaded_by=document.uploaded_by,
            )
            for document in copy_documents_from.documents.all()
        )
        for copy in copies:
            index_object(copy)
    Dossier.objects.filter(pk=dossier.pk).update(updated_at=timezone.now())
    audit.record(
        actor=actor,
        action="dossier_version.created",
        target=version,
        data={
            "dossier": dossier.pk,
            "number": version.number,
            "copied_from": copy_documents_from.number if copy_documents_from else None,
        },
        request=request,
    )
    return version


def can_freeze_version(actor: User, version: DossierVersion) -> bool:
    # The secretariat freezes the version a consultation it accepts cites.
    return can_change_dossier(actor, version.dossier) or (
        actor.has_role(Role.SECRETARIAT)
        and Dossier.objects.visible_to(actor).filter(pk=version.dossier_id).exists()
    )


@transaction.atomic
def version_freeze(
    *, actor: User, version: DossierVersion, request: HttpRequest | None = None
) -> DossierVersion:
    """Make the version immutable; freezing a frozen version changes nothing."""
    if not can_freeze_version(actor, version):
        raise DossierError(NOT_ALLOWED, code="forbidden")
    locked = DossierVersion.objects.select_for_update().get(pk=version.pk)
    if locked.is_frozen:
        return locked
    locked.frozen_at = timezone.now()
    locked.lock_version += 1
    locked.save(update_fields=["frozen_at", "lock_version"])
    audit.record(
        actor=actor,
        action="dossier_version.frozen",
        target=locked,
        data={"dossier": locked.dossier_id, "number": locked.number},
        request=request,
    )
    return locked


def _lock_unfrozen(version: DossierVersion) -> None:
    if DossierVersion.objects.select_for_update().get(pk=version.pk).is_frozen:
        raise DossierError(VERSION_FROZEN, code="frozen")


def _display_filename(name: str) -> str:
    # Some browsers send the client's full path; keep only the last part.
    filename = nfc(PureWindowsPath(name.replace("/", "\\")).name).strip() or "file"
    if len(filename) > 255:
        stem, dot, extension = filename.rpartition(".")
        filename = f"{stem[: 250 - len(extension)]}{dot}{extension}" if dot else filename[:255]
    return filename


@transaction.atomic
def document_add(
    *,
    actor: User,
    version: DossierVersion,
    file: IO[bytes],
    kind: str,
    title: str = "",
    filename: str | None = None,
    request: HttpRequest | None = None,
) -> Document:
    """Check the upload's content and store it under a generated key."""
    if not can_change_dossier(actor, version.dossier):
        raise DossierError(NOT_ALLOWED, code="forbidden")
    _lock_unfrozen(version)
    original_filename = _display_filename(filename or getattr(file, "name", "") or "")
    checked = check_upload(file, allowed=DOCUMENT_KINDS, filename=original_filename)
    file.seek(0)
    storage = Document._meta.get_field("file").storage
    stored_name = storage.save(generated_key("dossiers", checked.extension), file)
    try:
        document = Document.objects.create(
            version=version,
            title=nfc(title).strip() or original_filename.rsplit(".", 1)[0],
            kind=kind,
            file=stored_name,
            original_filename=original_filename,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
    except BaseException:
        storage.delete(stored_name)
        raise
    Dossier.objects.filter(pk=version.dossier_id).update(updated_at=timezone.now())
    index_object(document)
    audit.record(
        actor=actor,
        action="document.added",
        target=document,
        data={
            "dossier": version.dossier_id,
            "version": version.number,
            "sha256": document.sha256,
            "size": document.size,
        },
        request=request,
    )
    return document


@transaction.atomic
def document_remove(*, actor: User, document: Document, request: HttpRequest | None = None) -> None:
    """Remove a document from an unfrozen version; its file goes once nothing refers to it."""
    version = document.version
    if not can_change_dossier(actor, version.dossier):
        raise DossierError(NOT_ALLOWED, code="forbidden")
    _lock_unfrozen(version)
    stored_name = document.file.name
    storage = document.file.storage
    audit.record(
        actor=actor,
        action="document.removed",
        target=document,
        data={"dossier": version.dossier_id, "version": version.number, "sha256": document.sha256},
        request=request,
    )
    remove_object(document)
    document.delete()

    def delete_unreferenced_file() -> None:
        if stored_name and not Document.objects.filter(file=stored_name).exists():
            storage.delete(stored_name)

    transaction.on_commit(delete_unreferenced_file)
    Dossier.objects.filter(pk=version.dossier_id).update(updated_at=timezone.now())


def document_downloaded(*, actor: User, document: Document, request: HttpRequest) -> None:
    """Log a download of a restricted dossier's document (the views serve the file)."""
    dossier = document.version.dossier
    if dossier.confidentiality != Confidentiality.RESTRICTED:
        return
    audit.record(
        actor=actor,
        action=Action.DOWNLOAD,
        target=document,
        data={
            "dossier": dossier.pk,
            "code": dossier.code,
            "confidentiality": dossier.confidentiality,
            "sha256": document.sha256,
        },
        request=request,
    )
