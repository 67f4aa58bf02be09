from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from thamvan.consultations.models import Consultation, DeadlineRule, Transition
from thamvan.core.admin_rules import AdminRules, ReadOnlyAdmin


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AdminRules):
    """Dated configuration of answer periods, edited by the administrator."""

    list_display = ("valid_from", "days", "day_kind", "reminder_days", "legal_basis")
    ordering = ("-valid_from",)


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    fields = ("created_at", "action", "from_state", "to_state", "actor", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    """Every change goes through the lifecycle services; nothing is ever deleted."""

    list_display = ("title", "dossier", "state", "deadline", "round_number")
    list_filter = ("state",)
    search_fields = ("title", "letter_number")
    list_select_related = ("dossier",)
    inlines = [TransitionInline]
