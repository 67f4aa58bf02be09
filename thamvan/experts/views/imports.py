"""Import from XLSX/CSV: upload, dry-run preview, confirm."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thamvan.core.http import AuthedRequest
from thamvan.core.limits import rate_limit
from thamvan.core.pagination import paginate
from thamvan.core.uploads import safe_content_disposition
from thamvan.experts.access import can_manage_registry, get_import_for_user
from thamvan.experts.forms import ImportUploadForm
from thamvan.experts.importing import MAX_ROWS, iter_column_docs, write_template
from thamvan.experts.models import ExpertImport
from thamvan.experts.services import (
    ImportNotAllowed,
    expert_import_queue,
    expert_import_upload,
    import_max_bytes,
)
from thamvan.experts.views.registry import XLSX_CONTENT_TYPE

PREVIEW_PAGE_SIZE = 100


def _require_manager(request: AuthedRequest) -> None:
    if not can_manage_registry(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: AuthedRequest) -> HttpResponse:
    _require_manager(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = expert_import_upload(actor=request.user, upload=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect(record)
    recent = ExpertImport.objects.visible_to(request.user).select_related("created_by")[:10]
    return TemplateResponse(
        request,
        "experts/import.html",
        {
            "form": form,
            "columns": list(iter_column_docs()),
            "recent": recent,
            "max_rows": MAX_ROWS,
            "max_megabytes": import_max_bytes() // (1024 * 1024),
        },
    )


@login_required
@require_GET
@rate_limit("export")
def import_template(request: AuthedRequest) -> HttpResponse:
    _require_manager(request)
    response = HttpResponse(write_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = safe_content_disposition("mau-nhap-chuyen-gia.xlsx")
    return response


@login_required
@require_GET
def import_preview(request: AuthedRequest, pk: int) -> TemplateResponse:
    record = get_import_for_user(request.user, pk)
    rows = record.preview if isinstance(record.preview, list) else []
    error_rows = [row for row in rows if row.get("errors")]
    context = {
        "record": record,
        "error_rows": error_rows,
        "page_obj": paginate(request, rows, per_page=PREVIEW_PAGE_SIZE),
        "query_string": "",
        "Status": ExpertImport.Status,
    }
    template = (
        "experts/import_preview.html#status" if request.htmx else "experts/import_preview.html"
    )
    return TemplateResponse(request, template, context)


@login_required
@require_POST
def import_commit(request: AuthedRequest, pk: int) -> HttpResponse:
    record = get_import_for_user(request.user, pk)
    try:
        expert_import_queue(actor=request.user, expert_import=record)
    except ImportNotAllowed as error:
        messages.error(request, error.message)
        return redirect(record)
    record.refresh_from_db()
    if record.status == ExpertImport.Status.COMMITTED:
        messages.success(
            request,
            _("%(created)s experts were added and %(updated)s updated.")
            % {"created": record.rows_to_create, "updated": record.rows_to_update},
        )
    elif record.status == ExpertImport.Status.QUEUED:
        messages.info(request, _("The import has started; this page shows when it is done."))
    return redirect(record)
