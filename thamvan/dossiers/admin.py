"""Dossiers in the admin: read-only, since the pages change them through the services.

The dossier pages let an administrator edit any dossier, create versions and
upload or remove documents, with their checks and audit; the admin only shows
the records, and deletes what has no history yet. The usual area ranges are
configuration, which the administrator edits here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from thamvan.core.admin_rules import AdminRules
from thamvan.dossiers.models import AreaRange, Document, Dossier, DossierVersion
from thamvan.dossiers.services import document_remove

DOCUMENT_FILE_FIELDS = ("file", "original_filename", "content_type", "size", "sha256")


class ShownOnly(AdminRules):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DossierVersionInline(admin.TabularInline):
    model = DossierVersion
    fields = readonly_fields = ("number", "label", "created_by", "created_at", "frozen_at")
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Dossier)
class DossierAdmin(ShownOnly):
    list_display = ["code", "name", "kind", "stage", "lead_agency", "confidentiality", "updated_at"]
    list_filter = ["kind", "stage", "confidentiality"]
    search_fields = ["code", "name", "search_key"]
    list_select_related = ["lead_agency"]
    # The geometry can be megabytes of JSON; the dossier page draws it on a map.
    exclude = ["boundary"]
    inlines = [DossierVersionInline]

    def has_history(self, obj: Any) -> bool:
        return obj.versions.filter(frozen_at__isnull=False).exists() or obj.consultations.exists()


class DocumentInline(admin.TabularInline):
    model = Document
    fields = readonly_fields = ("title", "kind", *DOCUMENT_FILE_FIELDS, "uploaded_by", "created_at")
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DossierVersion)
class DossierVersionAdmin(ShownOnly):
    list_display = ["dossier", "number", "label", "created_at", "frozen_at"]
    list_filter = ["frozen_at"]
    search_fields = ["dossier__code", "dossier__name", "label"]
    list_select_related = ["dossier"]
    inlines = [DocumentInline]

    def has_history(self, obj: Any) -> bool:
        # A frozen version is what a consultation was sent with.
        return bool(obj.is_frozen)


@admin.register(Document)
class DocumentAdmin(ShownOnly):
    list_display = ["title", "kind", "version", "original_filename", "size", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title", "original_filename", "version__dossier__code"]
    list_select_related = ["version__dossier"]
    fields = ["version", "title", "kind", *DOCUMENT_FILE_FIELDS, "uploaded_by", "created_at"]

    def has_history(self, obj: Any) -> bool:
        return bool(obj.version.is_frozen)

    def delete_model(self, request: HttpRequest, obj: Document) -> None:
        # The page's service: it also drops the search entry and the unused file.
        document_remove(actor=request.user, document=obj, request=request)  # type: ignore[arg-type]


@admin.register(AreaRange)
class AreaRangeAdmin(AdminRules):
    """Dated configuration of the usual area by kind and scale, edited by the administrator."""

    list_display = ("kind", "scale", "valid_from", "min_ha", "max_ha", "legal_basis")
    list_filter = ("kind", "scale")
    ordering = ("kind", "scale", "-valid_from")
