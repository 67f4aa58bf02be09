from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from thamvan.core.http import AuthedRequest
from thamvan.core.limits import rate_limit
from thamvan.dashboard.access import can_view_dashboard, default_organization
from thamvan.dashboard.figures import Scope, compute
from thamvan.dashboard.forms import DashboardFilterForm


def _scope(request: AuthedRequest) -> tuple[Scope, DashboardFilterForm]:
    if not can_view_dashboard(request.user):
        raise PermissionDenied
    form = DashboardFilterForm(request.GET or None, user=request.user)
    organization = default_organization(request.user)
    start = end = None
    if form.is_bound and form.is_valid():
        organization = form.cleaned_data["organization"] or organization
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    elif not form.is_bound and organization is not None:
        form = DashboardFilterForm(initial={"organization": organization}, user=request.user)
    return Scope(request.user, organization, start, end), form


@login_required
def dashboard(request: AuthedRequest) -> TemplateResponse:
    scope, form = _scope(request)
    query = request.GET.urlencode()
    return TemplateResponse(
        request,
        "dashboard/index.html",
        {"groups": compute(scope), "filters": form, "scope": scope, "query_string": query},
    )


@login_required
@rate_limit("export")
def dashboard_export(request: AuthedRequest) -> HttpResponse:
    scope, _form = _scope(request)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Chi so"
    sheet.append([_("Group"), _("Figure"), _("Value"), _("Unit"), _("Link")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for group in compute(scope):
        for item in group.figures:
            sheet.append(
                [
                    str(group.title),
                    str(item.label),
                    item.value,
                    item.unit,
                    request.build_absolute_uri(item.url) if item.url else "",
                ]
            )
    sheet.append([])
    sheet.append(
        [
            _("Organisation"),
            str(scope.organization) if scope.organization else _("All in my scope"),
        ]
    )
    sheet.append([_("From"), scope.start.strftime("%d/%m/%Y") if scope.start else ""])
    sheet.append([_("To"), scope.end.strftime("%d/%m/%Y") if scope.end else ""])
    sheet.append([_("Exported at"), timezone.localtime().strftime("%H:%M %d/%m/%Y")])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                # Names come from users (programmes, directives); never a formula.
                cell.data_type = "s"
    for column, width in zip("ABCDE", (28, 48, 10, 6, 60), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="bang-dieu-khien.xlsx"'
    return response
