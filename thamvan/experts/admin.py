"""The expert registry in the admin, for the administrator.

The secretariat and leadership keep and read the registry in its pages.
Organisations and users are chosen with plain widgets.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from thamvan.core.admin_locking import LockedInline, MovesLockVersion
from thamvan.core.admin_rules import AdminRules, ReadOnlyAdmin, is_referenced
from thamvan.experts.models import (
    Affiliation,
    ConflictDeclaration,
    Expert,
    ExpertImport,
    ExpertSpecialty,
    Specialty,
    UnavailablePeriod,
)


@admin.register(Specialty)
class SpecialtyAdmin(MovesLockVersion, AdminRules):
    list_display = ["name", "slug", "display_order", "is_active"]
    # No in-place list editing: the changelist's row forms cannot carry the
    # version, and every edit must be checked against it (change page or the
    # application's specialty page).
    list_filter = ["is_active"]
    search_fields = ["name", "name_key", "slug"]
    ordering = ["display_order", "name_key"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Matching and exports refer to specialties by slug; it is fixed once created.
        return ["slug"] if obj is not None else []

    def has_history(self, obj: Any) -> bool:
        # Experts, consultations or opinion items name it: deactivate it instead.
        return is_referenced(obj)


class ExpertSpecialtyInline(admin.TabularInline):
    model = ExpertSpecialty
    extra = 0
    autocomplete_fields = ["specialty"]


class AffiliationInline(LockedInline, admin.TabularInline):
    model = Affiliation
    extra = 0


class UnavailablePeriodInline(LockedInline, admin.TabularInline):
    model = UnavailablePeriod
    extra = 0


class IsSeniorFilter(admin.SimpleListFilter):
    title = _("seniority")
    parameter_name = "senior"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Senior")), ("no", _("Not senior"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "yes":
            return queryset.senior()
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.senior().values("pk"))
        return queryset


@admin.register(Expert)
class ExpertAdmin(MovesLockVersion, AdminRules):
    list_display = [
        "full_name",
        "academic_rank",
        "degree",
        "membership_number",
        "email",
        "home_organization",
        "is_active",
    ]
    list_filter = [
        "is_active",
        "academic_rank",
        "degree",
        IsSeniorFilter,
        "home_organization",
        "specialties",
    ]
    search_fields = ["full_name", "search_key", "membership_number", "email", "phone"]
    list_select_related = ["home_organization"]
    raw_id_fields = ["user"]
    inlines = [ExpertSpecialtyInline, AffiliationInline, UnavailablePeriodInline]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["sort_key"]

    def has_history(self, obj: Any) -> bool:
        # An expert who was invited or gave an opinion stays; deactivate instead.
        return bool(obj.invitations.exists() or obj.opinions.exists())


@admin.register(Affiliation)
class AffiliationAdmin(MovesLockVersion, AdminRules):
    list_display = ["expert", "organization", "position", "start_date", "end_date"]
    list_filter = [("end_date", admin.EmptyFieldListFilter), "organization__kind"]
    search_fields = ["expert__full_name", "expert__search_key", "organization__name", "position"]
    list_select_related = ["expert", "organization"]
    autocomplete_fields = ["expert"]
    date_hierarchy = "start_date"


@admin.register(UnavailablePeriod)
class UnavailablePeriodAdmin(MovesLockVersion, AdminRules):
    list_display = ["expert", "start_date", "end_date", "reason"]
    search_fields = ["expert__full_name", "expert__search_key", "reason"]
    list_select_related = ["expert"]
    autocomplete_fields = ["expert"]
    date_hierarchy = "start_date"


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdmin):
    """The expert declares and withdraws on the profile page (audited), never here."""

    list_display = ["expert", "kind", "counterpart", "start_date", "end_date", "withdrawn_at"]
    list_filter = ["kind", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["expert__full_name", "expert__search_key", "name", "organization__name"]
    list_select_related = ["expert", "organization", "other_expert"]
    date_hierarchy = "start_date"


@admin.register(ExpertImport)
class ExpertImportAdmin(AdminRules):
    list_display = [
        "original_filename",
        "status",
        "rows_total",
        "rows_to_create",
        "rows_to_update",
        "rows_with_errors",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["original_filename", "created_by__email", "sha256"]
    list_select_related = ["created_by"]
    exclude = ["preview"]
    readonly_fields = [
        "status",
        "file_key",
        "original_filename",
        "kind",
        "size",
        "sha256",
        "rows_total",
        "rows_to_create",
        "rows_to_update",
        "rows_with_errors",
        "file_error",
        "ignored_headers",
        "message",
        "created_by",
        "created_at",
        "finished_at",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Imports are made through the upload page, which checks the file.
        return False
