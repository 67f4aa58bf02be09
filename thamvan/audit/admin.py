from __future__ import annotations

import csv
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan.audit.models import AuditEntry
from thamvan.audit.services import Action, record
from thamvan.core.admin_rules import AdminRules

CSV_COLUMNS = [
    "id",
    "created_at",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "ip_address",
    "data",
    "prev_hash",
    "hash",
]


def spreadsheet_safe(value: object) -> str:
    # A leading =, +, - or @ makes spreadsheets evaluate the cell as a formula.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.register(AuditEntry)
class AuditEntryAdmin(AdminRules):
    list_display = ["id", "created_at", "actor_label", "action", "target_type", "target_label"]
    list_filter = ["action", "target_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "action", "target_id", "target_label", "ip_address"]
    date_hierarchy = "created_at"
    readonly_fields = (*CSV_COLUMNS, "actor")
    fields = readonly_fields
    actions = ["export_csv"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Export selected entries as CSV"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> HttpResponse:
        entries = queryset.order_by("id")
        record(
            actor=request.user,
            action=Action.EXPORT,
            data={"what": "audit_entries", "count": entries.count()},
            request=request,
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        response.write("\ufeff")  # lets spreadsheet programs read Vietnamese as UTF-8
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for entry in entries.iterator(chunk_size=2000):
            writer.writerow([spreadsheet_safe(getattr(entry, column)) for column in CSV_COLUMNS])
        return response
