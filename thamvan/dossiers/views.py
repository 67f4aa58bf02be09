from __future__ import annotations

import copy
import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.forms import BaseForm
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thamvan.core.http import AuthedRequest
from thamvan.core.limits import rate_limit
from thamvan.core.locking import EditConflict, show_conflict
from thamvan.core.pagination import paginate, query_without_page
from thamvan.core.uploads import stored_file_response
from thamvan.dossiers import services
from thamvan.dossiers.access import (
    can_change_dossier,
    can_create_dossier,
    get_document_for_update,
    get_document_for_user,
    get_dossier_for_update,
    get_dossier_for_user,
    get_version_for_update,
    get_version_for_user,
)
from thamvan.dossiers.areas import area_warnings
from thamvan.dossiers.forms import DocumentForm, DossierFilterForm, DossierForm, VersionForm
from thamvan.dossiers.models import (
    BOUNDARY_FROZEN,
    VERSION_FROZEN,
    Document,
    Dossier,
    DossierError,
)

# The overview map sends at most this many dossiers; the client asks for a
# smaller area (bbox) or narrower filters to see the rest.
MAP_FEATURE_LIMIT = 500
URL_PLACEHOLDER = 987654321
# The dossier picker answers a bounded page; a longer query only makes more words to match.
PICK_LIMIT = 20
PICK_QUERY_MAX_LENGTH = 100
BAD_BBOX = "bbox must be four numbers: min_lon,min_lat,max_lon,max_lat"

# Service error codes that belong next to one field rather than above the form.
_ERROR_FIELDS = {
    "code_taken": "code",
    "lead_agency": "lead_agency",
    "version_frozen": "boundary",
}


def _add_service_error(form: BaseForm, error: ValidationError, field: str | None = None) -> None:
    code = getattr(error, "code", None)
    target = _ERROR_FIELDS.get(code or "", field)
    form.add_error(target if target in form.fields else None, error)


def map_config(**extra: Any) -> dict[str, Any]:
    """Settings every Leaflet map reads, passed to the page with json_script."""
    latitude, longitude = settings.MAP_DEFAULT_CENTER
    return {
        "tileUrl": settings.MAP_TILE_URL,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        "center": [latitude, longitude],
        "zoom": settings.MAP_DEFAULT_ZOOM,
        "iconPath": static("leaflet/images/"),
        **extra,
    }


def draw_labels() -> dict[str, Any]:
    """Translations for the Leaflet.draw toolbar, merged into L.drawLocal by dossier-map.js."""
    return {
        "draw": {
            "toolbar": {
                "actions": {"title": _("Cancel drawing"), "text": _("Cancel")},
                "finish": {"title": _("Finish drawing"), "text": _("Finish")},
                "undo": {"title": _("Delete the last point drawn"), "text": _("Delete last point")},
                "buttons": {"polygon": _("Draw a polygon"), "rectangle": _("Draw a rectangle")},
            },
            "handlers": {
                "polygon": {
                    "tooltip": {
                        "start": _("Click to start drawing the boundary."),
                        "cont": _("Click to continue drawing the boundary."),
                        "end": _("Click the first point to close the boundary."),
                    }
                },
                "polyline": {"error": _("The boundary's edges cannot cross.")},
                "rectangle": {"tooltip": {"start": _("Click and drag to draw a rectangle.")}},
                "simpleshape": {"tooltip": {"end": _("Release the mouse to finish drawing.")}},
            },
        },
        "edit": {
            "toolbar": {
                "actions": {
                    "save": {"title": _("Save changes"), "text": _("Save")},
                    "cancel": {
                        "title": _("Cancel editing and discard changes"),
                        "text": _("Cancel"),
                    },
                    "clearAll": {"title": _("Delete the whole boundary"), "text": _("Delete all")},
                },
                "buttons": {
                    "edit": _("Edit the boundary"),
                    "editDisabled": _("No boundary to edit"),
                    "remove": _("Delete the boundary"),
                    "removeDisabled": _("No boundary to delete"),
                },
            },
            "handlers": {
                "edit": {
                    "tooltip": {
                        "text": _("Drag the handles to change the boundary."),
                        "subtext": _("Click Cancel to undo the changes."),
                    }
                },
                "remove": {"tooltip": {"text": _("Click the boundary to delete it.")}},
            },
        },
    }


def _form_page(
    request: AuthedRequest, context: dict[str, Any], status: int = 200
) -> TemplateResponse:
    context |= {"map_config": map_config(), "draw_labels": draw_labels()}
    return TemplateResponse(request, "dossiers/form.html", context, status=status)


def _filtered(request: AuthedRequest) -> tuple[DossierFilterForm, Any]:
    visible = Dossier.objects.visible_to(request.user)
    filters = DossierFilterForm(request.GET, visible=visible)
    return filters, filters.apply(visible)


@login_required
@require_GET
def dossier_list(request: AuthedRequest) -> TemplateResponse:
    filters, dossiers = _filtered(request)
    dossiers = dossiers.select_related("lead_agency").prefetch_related("communes")
    context = {
        "filters": filters,
        "page_obj": paginate(request, dossiers),
        "query_string": query_without_page(request),
        "can_create": can_create_dossier(request.user),
    }
    template = "dossiers/list.html#results" if request.htmx else "dossiers/list.html"
    return TemplateResponse(request, template, context)


@login_required
@require_GET
def dossier_map(request: AuthedRequest) -> TemplateResponse:
    filters = DossierFilterForm(request.GET, visible=Dossier.objects.visible_to(request.user))
    return TemplateResponse(
        request,
        "dossiers/map.html",
        {
            "filters": filters,
            "map_config": map_config(dataUrl=reverse("dossiers:map_data")),
            "can_create": can_create_dossier(request.user),
        },
    )


def _parse_bbox(value: str) -> tuple[float, float, float, float]:
    parts = value.split(",")
    if len(parts) != 4:
        raise ValueError(BAD_BBOX)
    min_lon, min_lat, max_lon, max_lat = (float(part) for part in parts)
    if not all(math.isfinite(number) for number in (min_lon, min_lat, max_lon, max_lat)):
        raise ValueError(BAD_BBOX)
    if min_lon > max_lon or min_lat > max_lat:
        raise ValueError(BAD_BBOX)
    return min_lon, min_lat, max_lon, max_lat


@login_required
@require_GET
def dossier_map_data(request: AuthedRequest) -> JsonResponse:
    """Visible dossiers with a boundary as GeoJSON: simplified outlines, centroids, links."""
    _filters, dossiers = _filtered(request)
    dossiers = dossiers.filter(centroid_lon__isnull=False)
    if bbox := request.GET.get("bbox"):
        try:
            dossiers = dossiers.within_bbox(*_parse_bbox(bbox))
        except ValueError:
            return JsonResponse({"error": BAD_BBOX}, status=400)
    rows = list(
        dossiers.values(
            "pk", "code", "name", "kind", "map_outline", "centroid_lon", "centroid_lat"
        )[: MAP_FEATURE_LIMIT + 1]
    )
    truncated = len(rows) > MAP_FEATURE_LIMIT
    # Translating a label and reversing a URL cost more than the rest of a
    # feature: once per request, not once per dossier.
    kinds = {value: str(label) for value, label in Dossier.Kind.choices}
    detail_url = reverse("dossiers:detail", args=[URL_PLACEHOLDER])
    features = [
        {
            "type": "Feature",
            "id": row["pk"],
            "geometry": row["map_outline"],
            "properties": {
                "code": row["code"],
                "name": row["name"],
                "kind": kinds.get(row["kind"], row["kind"]),
                "url": detail_url.replace(str(URL_PLACEHOLDER), str(row["pk"])),
                "centroid": [row["centroid_lon"], row["centroid_lat"]],
            },
        }
        for row in rows[:MAP_FEATURE_LIMIT]
    ]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "truncated": truncated,
            "limit": MAP_FEATURE_LIMIT,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
@require_GET
def dossier_pick(request: AuthedRequest) -> JsonResponse:
    """The dossiers the user may read whose code, name or description match ``q``, for
    searchable pickers: one query, at most PICK_LIMIT rows."""
    query = request.GET.get("q", "")[:PICK_QUERY_MAX_LENGTH].strip()
    dossiers = Dossier.objects.visible_to(request.user)
    if query:
        dossiers = dossiers.search(query)
    rows = list(dossiers.order_by("code", "pk").only("pk", "code", "name")[: PICK_LIMIT + 1])
    return JsonResponse(
        {
            "results": [{"value": str(d.pk), "text": str(d)} for d in rows[:PICK_LIMIT]],
            "more": len(rows) > PICK_LIMIT,
        }
    )


@login_required
@require_GET
def dossier_detail(request: AuthedRequest, pk: int) -> TemplateResponse:
    dossier = get_dossier_for_user(request.user, pk)
    can_change = can_change_dossier(request.user, dossier)
    versions = list(
        dossier.versions.select_related("created_by")
        # Each boundary can be megabytes; the version page draws one.
        .defer("boundary", "map_outline")
        .prefetch_related(Prefetch("documents", queryset=Document.objects.order_by("kind", "pk")))
    )
    upload_forms = {
        version.pk: DocumentForm(auto_id=f"id_v{version.number}_%s")
        for version in versions
        if can_change and not version.is_frozen
    }
    return TemplateResponse(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "communes": dossier.communes.order_by("name_key"),
            "versions": [(version, upload_forms.get(version.pk)) for version in versions],
            "can_change": can_change,
            "area_warnings": area_warnings(dossier) if can_change else [],
            "map_config": map_config(),
        },
    )


@login_required
@require_GET
def version_detail(request: AuthedRequest, pk: int, number: int) -> TemplateResponse:
    """A version with its own boundary and area: what a consultation citing it was sent with."""
    version = get_version_for_user(request.user, pk, number)
    return TemplateResponse(
        request,
        "dossiers/version_detail.html",
        {
            "dossier": version.dossier,
            "version": version,
            "documents": version.documents.order_by("kind", "pk"),
            "is_latest": not version.dossier.versions.filter(number__gt=version.number).exists(),
            "map_config": map_config(),
        },
    )


def _warn_about_area(request: AuthedRequest, dossier: Dossier) -> None:
    # Saved all the same: the user may know better than the usual range.
    for warning in area_warnings(dossier):
        messages.warning(request, warning.detail)


@login_required
@require_http_methods(["GET", "POST"])
def dossier_create(request: AuthedRequest) -> HttpResponse:
    if not can_create_dossier(request.user):
        raise PermissionDenied
    form = DossierForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            dossier = services.dossier_create(
                actor=request.user,
                communes=form.cleaned_data["communes"],
                request=request,
                **form.service_kwargs(),
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("The dossier was registered."))
            _warn_about_area(request, dossier)
            return redirect(dossier)
    return _form_page(request, {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def dossier_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    dossier = get_dossier_for_update(request.user, pk)
    # The form writes what was typed onto its instance while validating;
    # the service must compare against the stored dossier.
    form = DossierForm(
        request.POST or None, request.FILES or None, instance=copy.copy(dossier), user=request.user
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_update(
                actor=request.user,
                dossier=dossier,
                communes=form.cleaned_data["communes"],
                expected_version=form.cleaned_data["lock_version"],
                request=request,
                **form.service_kwargs(),
            )
        except EditConflict as conflict:
            show_conflict(form, conflict)
        except ValidationError as error:
            _add_service_error(form, error)
            if error.code == "version_frozen":
                # A refusal of what was asked, not a slip in typing: the
                # request itself cannot be granted.
                status = 400
        else:
            messages.success(request, _("The dossier was saved."))
            _warn_about_area(request, dossier)
            return redirect(dossier)
    latest = dossier.versions.order_by("-number").first()
    context = {
        "form": form,
        "dossier": dossier,
        # Said before the click, so nobody redraws a boundary that cannot change.
        "boundary_frozen": (
            BOUNDARY_FROZEN % {"number": latest.number} if latest and latest.is_frozen else None
        ),
    }
    return _form_page(request, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def version_create(request: AuthedRequest, pk: int) -> HttpResponse:
    dossier = get_dossier_for_update(request.user, pk)
    form = VersionForm(request.POST or None, dossier=dossier)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.version_create(
                actor=request.user,
                dossier=dossier,
                label=form.cleaned_data["label"],
                note=form.cleaned_data["note"],
                copy_documents_from=form.cleaned_data["copy_documents_from"],
                request=request,
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(
                request, _("Version %(number)s was created.") % {"number": version.number}
            )
            return redirect(dossier)
    return TemplateResponse(
        request, "dossiers/version_form.html", {"form": form, "dossier": dossier}
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    version = get_version_for_update(request.user, pk, number)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_add(
                actor=request.user,
                version=version,
                file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                request=request,
            )
        except DossierError as error:
            _add_service_error(form, error)
        except ValidationError as error:
            # The upload check refused the file's content.
            form.add_error("file", error)
        else:
            messages.success(request, _("The document was added."))
            return redirect(version.dossier)
    return TemplateResponse(
        request,
        "dossiers/document_form.html",
        {
            "form": form,
            "dossier": version.dossier,
            "version": version,
            "frozen_message": VERSION_FROZEN if version.is_frozen and not form.is_bound else None,
        },
    )


@login_required
@require_POST
def document_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    document = get_document_for_update(request.user, pk)
    dossier = document.version.dossier
    try:
        services.document_remove(actor=request.user, document=document, request=request)
    except DossierError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The document was removed."))
    return redirect(dossier)


@login_required
@require_GET
@rate_limit("download")
def document_download(request: AuthedRequest, pk: int) -> FileResponse:
    document = get_document_for_user(request.user, pk)
    response = stored_file_response(
        document.file, document.original_filename, document.content_type
    )
    services.document_downloaded(actor=request.user, document=document, request=request)
    return response
