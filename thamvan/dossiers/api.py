from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from config.api_common import Page, PageParams, conflict_response, paginate, responses
from thamvan.core.limits import api_rate_limit
from thamvan.core.locking import EditConflict
from thamvan.core.uploads import stored_file_response
from thamvan.dossiers import services
from thamvan.dossiers.access import (
    can_create_dossier,
    get_document_for_user,
    get_dossier_for_update,
    get_dossier_for_user,
    get_version_for_update,
    get_version_for_user,
)
from thamvan.dossiers.models import Document, Dossier, DossierError, DossierVersion
from thamvan.dossiers.schemas import (
    DocumentOut,
    DocumentUploadIn,
    DossierFilters,
    DossierIn,
    DossierOut,
    DossierPatch,
    DossierSavedOut,
    VersionDetailOut,
    VersionIn,
    VersionOut,
)
from thamvan.organizations.models import AdministrativeUnit, Organization

router = Router(tags=["dossiers"])
documents_router = Router(tags=["dossiers"])


def _organization(pk: int | None, field: str) -> Organization | None:
    if pk is None:
        return None
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise ValidationError({field: ["No organisation has this id."]}, code="invalid")
    return organization


def _communes(ids: list[int]) -> list[AdministrativeUnit]:
    units = list(
        AdministrativeUnit.objects.filter(pk__in=set(ids), level=AdministrativeUnit.Level.COMMUNE)
    )
    if len(units) != len(set(ids)):
        raise ValidationError({"commune_ids": ["Unknown commune id."]}, code="invalid")
    return units


def _dossier_out(pk: int) -> Dossier:
    return Dossier.objects.prefetch_related("communes").get(pk=pk)


@router.get("", response=responses(Page[DossierOut], not_found=False))
def list_dossiers(
    request: HttpRequest, filters: Query[DossierFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Dossiers the user may read, most recently changed first."""
    dossiers = Dossier.objects.visible_to(request.user).search(filters.q)  # type: ignore[arg-type]
    for field in ("kind", "stage", "confidentiality", "lead_agency_id"):
        value = getattr(filters, field)
        if value is not None:
            dossiers = dossiers.filter(**{field: value})
    return paginate(dossiers.prefetch_related("communes").order_by("-updated_at", "-pk"), page)


@router.post("", response=responses(DossierSavedOut, status=201, not_found=False))
def create_dossier(request: HttpRequest, payload: DossierIn) -> Status:
    """Register a dossier with its first version (agency officers and administrators)."""
    user = request.user
    if not can_create_dossier(user):  # type: ignore[arg-type]
        raise PermissionDenied(str(services.CANNOT_CREATE))
    data = payload.dict()
    lead_agency = _organization(data.pop("lead_agency_id"), "lead_agency_id")
    consultant = _organization(data.pop("preparing_consultant_id"), "preparing_consultant_id")
    investor = _organization(data.pop("investor_id"), "investor_id")
    communes = _communes(data.pop("commune_ids"))
    data["scale"] = data["scale"] or ""
    dossier = services.dossier_create(
        actor=user,  # type: ignore[arg-type]
        lead_agency=lead_agency,  # type: ignore[arg-type]
        preparing_consultant=consultant,
        investor=investor,
        communes=communes,
        request=request,
        **data,
    )
    return Status(201, _dossier_out(dossier.pk))


@router.get("/{dossier_id}", response=responses(DossierOut))
def get_dossier(request: HttpRequest, dossier_id: int) -> Dossier:
    return _dossier_out(get_dossier_for_user(request.user, dossier_id).pk)  # type: ignore[arg-type]


@router.patch("/{dossier_id}", response=responses(DossierSavedOut, conflict=True))
def update_dossier(
    request: HttpRequest, dossier_id: int, payload: DossierPatch
) -> Dossier | Status:
    """Change some of the dossier's facts; fields left out keep their value.

    Send the ``lock_version`` you read to be told (409 ``edit_conflict``) instead
    of overwriting a change someone made meanwhile. The boundary and area are
    those of the latest version: once it was sent for consultation they cannot
    change (409 ``version_frozen``); create a new version first.
    """
    dossier = get_dossier_for_update(request.user, dossier_id)  # type: ignore[arg-type]
    changes = payload.dict(exclude_unset=True)
    expected_version = changes.pop("lock_version", None)
    for field in ("code", "name", "kind", "stage", "lead_agency_id", "confidentiality"):
        if field in changes and changes[field] is None:
            raise ValidationError({field: ["This field cannot be null."]}, code="invalid")
    communes = changes.pop("commune_ids", None)
    for field, target in (
        ("lead_agency_id", "lead_agency"),
        ("preparing_consultant_id", "preparing_consultant"),
        ("investor_id", "investor"),
    ):
        if field in changes:
            changes[target] = _organization(changes.pop(field), field)
    for field in ("scale", "scale_note", "description"):
        if field in changes and changes[field] is None:
            changes[field] = ""
    try:
        services.dossier_update(
            actor=request.user,  # type: ignore[arg-type]
            dossier=dossier,
            communes=_communes(communes) if communes is not None else None,
            expected_version=expected_version,
            request=request,
            **changes,
        )
    except EditConflict as conflict:
        return conflict_response(conflict)
    except DossierError as error:
        if error.code != "version_frozen":
            raise
        return Status(409, {"detail": " ".join(error.messages), "code": "version_frozen"})
    return _dossier_out(dossier.pk)


@router.get("/{dossier_id}/versions", response=responses(list[VersionOut]))
def list_versions(request: HttpRequest, dossier_id: int) -> list[DossierVersion]:
    dossier = get_dossier_for_user(request.user, dossier_id)  # type: ignore[arg-type]
    # Each boundary can be megabytes; get_version sends one.
    return list(dossier.versions.defer("boundary", "map_outline").order_by("-number"))


@router.post("/{dossier_id}/versions", response=responses(VersionOut, status=201))
def create_version(request: HttpRequest, dossier_id: int, payload: VersionIn) -> Status:
    """Add a revision: the next version number, optionally with another version's documents."""
    dossier = get_dossier_for_update(request.user, dossier_id)  # type: ignore[arg-type]
    source = None
    if payload.copy_documents_from is not None:
        source = dossier.versions.filter(number=payload.copy_documents_from).first()
        if source is None:
            raise ValidationError(
                {"copy_documents_from": ["This dossier has no such version."]}, code="invalid"
            )
    version = services.version_create(
        actor=request.user,  # type: ignore[arg-type]
        dossier=dossier,
        label=payload.label.strip(),
        note=payload.note,
        copy_documents_from=source,
        request=request,
    )
    return Status(201, version)


@router.get("/{dossier_id}/versions/{number}", response=responses(VersionDetailOut))
def get_version(request: HttpRequest, dossier_id: int, number: int) -> DossierVersion:
    """One version with its boundary: what a consultation citing it was sent with."""
    return get_version_for_user(request.user, dossier_id, number)  # type: ignore[arg-type]


@router.get("/{dossier_id}/versions/{number}/documents", response=responses(list[DocumentOut]))
def list_documents(request: HttpRequest, dossier_id: int, number: int) -> list[Document]:
    version = get_version_for_user(request.user, dossier_id, number)  # type: ignore[arg-type]
    return list(version.documents.select_related("version"))


@router.post(
    "/{dossier_id}/versions/{number}/documents",
    response=responses(DocumentOut, status=201),
)
def upload_document(
    request: HttpRequest,
    dossier_id: int,
    number: int,
    file: File[UploadedFile],
    data: Form[DocumentUploadIn],
) -> Status:
    """Upload a PDF, DOCX, XLSX, PNG, JPEG or ZIP; its content is checked before it is stored."""
    version = get_version_for_update(request.user, dossier_id, number)  # type: ignore[arg-type]
    document = services.document_add(
        actor=request.user,  # type: ignore[arg-type]
        version=version,
        file=file,
        kind=data.kind,
        title=data.title,
        filename=file.name,
        request=request,
    )
    return Status(201, Document.objects.select_related("version").get(pk=document.pk))


@documents_router.get(
    "/{document_id}/download",
    response={200: None, **responses(None)},
    url_name="download_document",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, with its original name.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
@api_rate_limit("download")
def download_document(request: HttpRequest, document_id: int) -> FileResponse:
    document = get_document_for_user(request.user, document_id)  # type: ignore[arg-type]
    response = stored_file_response(
        document.file, document.original_filename, document.content_type
    )
    services.document_downloaded(
        actor=request.user,  # type: ignore[arg-type]
        document=document,
        request=request,
    )
    return response
