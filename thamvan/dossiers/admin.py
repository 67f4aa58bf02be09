from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from thamvan.core.admin_locking import LockedAdminForm, LockedInline, MovesLockVersion
from thamvan.dossiers.boundary import parse_boundary
from thamvan.dossiers.models import Document, Dossier, DossierVersion

# File metadata is set by the upload service after checking the content;
# the admin shows it and never edits it.
DOCUMENT_FILE_FIELDS = ("file", "original_filename", "content_type", "size", "sha256")


class DossierAdminForm(LockedAdminForm):
    class Meta:
        model = Dossier
        fields = [
            "code",
            "name",
            "kind",
            "stage",
            "scale",
            "scale_note",
            "area_ha",
            "communes",
            "boundary",
            "lead_agency",
            "preparing_consultant",
            "investor",
            "description",
            "confidentiality",
        ]

    def clean_boundary(self) -> dict[str, Any] | None:
        boundary = self.cleaned_data.get("boundary")
        if not boundary:
            return None
        return parse_boundary(boundary if isinstance(boundary, dict) else json.dumps(boundary))


class DossierVersionInline(admin.TabularInline):
    """Versions listed read-only: they are created and frozen by the services."""

    model = DossierVersion
    fields = ["number", "label", "created_by", "created_at", "frozen_at"]
    readonly_fields = ["number", "label", "created_by", "created_at", "frozen_at"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Dossier)
class DossierAdmin(MovesLockVersion, admin.ModelAdmin):
    form = DossierAdminForm
    list_display = ["code", "name", "kind", "stage", "lead_agency", "confidentiality", "updated_at"]
    list_filter = ["kind", "stage", "confidentiality"]
    search_fields = ["code", "name", "search_key"]
    list_select_related = ["lead_agency"]
    autocomplete_fields = ["lead_agency", "preparing_consultant", "investor", "communes"]
    readonly_fields = [
        "created_by",
        "created_at",
        "updated_at",
        "min_lon",
        "min_lat",
        "max_lon",
        "max_lat",
        "centroid_lon",
        "centroid_lat",
    ]
    inlines = [DossierVersionInline]

    def save_model(self, request: HttpRequest, obj: Dossier, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


class DocumentInline(LockedInline, admin.TabularInline):
    model = Document
    fields = ["title", "kind", *DOCUMENT_FILE_FIELDS, "uploaded_by", "created_at", "lock_version"]
    readonly_fields = [*DOCUMENT_FILE_FIELDS, "uploaded_by", "created_at"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Uploads go through the dossier page, where their content is checked.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.is_frozen

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.is_frozen


@admin.register(DossierVersion)
class DossierVersionAdmin(MovesLockVersion, admin.ModelAdmin):
    list_display = ["dossier", "number", "label", "created_at", "frozen_at"]
    list_filter = ["frozen_at"]
    search_fields = ["dossier__code", "dossier__name", "label"]
    list_select_related = ["dossier"]
    readonly_fields = ["dossier", "number", "created_by", "created_at", "frozen_at"]
    inlines = [DocumentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Versions are numbered by the service that creates them.
        return False

    # A frozen version is immutable: the admin shows it without a save button.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.is_frozen

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.is_frozen


@admin.register(Document)
class DocumentAdmin(MovesLockVersion, admin.ModelAdmin):
    list_display = ["title", "kind", "version", "original_filename", "size", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title", "original_filename", "version__dossier__code"]
    list_select_related = ["version__dossier"]
    fields = [
        "version",
        "title",
        "kind",
        *DOCUMENT_FILE_FIELDS,
        "uploaded_by",
        "created_at",
        "lock_version",
    ]
    readonly_fields = ["version", *DOCUMENT_FILE_FIELDS, "uploaded_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.version.is_frozen

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.version.is_frozen
