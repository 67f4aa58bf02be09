from typing import Any

from django.contrib import admin

from thamvan.core.admin_locking import MovesLockVersion
from thamvan.core.admin_rules import AdminRules, is_referenced
from thamvan.organizations.models import AdministrativeUnit, Organization


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(AdminRules):
    list_display = ["name", "code", "division_type", "level", "parent"]
    list_filter = ["level", "division_type"]
    search_fields = ["name", "name_key", "code"]
    list_select_related = ["parent"]

    def has_history(self, obj: Any) -> bool:
        return is_referenced(obj)


@admin.register(Organization)
class OrganizationAdmin(MovesLockVersion, AdminRules):
    list_display = ["name", "abbreviation", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "name_key", "abbreviation"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent", "administrative_unit"]

    def has_history(self, obj: Any) -> bool:
        # Dossiers, members, experts or consultations name it: deactivate it instead.
        return is_referenced(obj)
