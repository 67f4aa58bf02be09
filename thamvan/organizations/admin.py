from django.contrib import admin

from thamvan.organizations.models import AdministrativeUnit, Organization


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "division_type", "level", "parent"]
    list_filter = ["level", "division_type"]
    search_fields = ["name", "name_key", "code"]
    list_select_related = ["parent"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "name_key", "abbreviation"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent", "administrative_unit"]
