from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from thamvan.accounts import services
from thamvan.accounts.models import LoginAttempt, Membership, TOTPDevice, User
from thamvan.core.admin_rules import AdminRules

# The audit's reason for a change of the active flag made here (no reason is asked for).
ADMIN_SITE_REASON = "administration site"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(AdminRules, BaseUserAdmin):
    """Users are deactivated, never deleted: the audit and the records name them.

    The admin site is open to the administrator role (a membership) and to
    superusers; staff status and model permissions grant nothing here.
    """

    ordering = ["sort_name"]
    list_display = ["email", "full_name", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_superuser", "memberships__role"]
    search_fields = ["email", "full_name", "sort_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal information"), {"fields": ("full_name", "phone")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_superuser")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        # Nobody deactivates their own account, here as in the people pages.
        if obj is not None and obj.pk == request.user.pk:
            fields.append("is_active")
        return fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """A change of the active flag goes through the people services, so a deactivation
        here also ends the sessions and revokes the tokens and activation links."""
        if not change or "is_active" not in form.changed_data:
            super().save_model(request, obj, form, change)
            return
        activate = obj.is_active
        obj.is_active = not activate
        super().save_model(request, obj, form, change)
        change_activity = services.user_reactivate if activate else services.user_deactivate
        change_activity(
            actor=request.user,  # type: ignore[arg-type]
            user=obj,
            reason=ADMIN_SITE_REASON,
            request=request,
        )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # The new password and its audit entry are saved together.
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)


@admin.register(Membership)
class MembershipAdmin(AdminRules):
    list_display = ["user", "organization", "role", "position", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__full_name", "user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(LoginAttempt)
class LoginAttemptAdmin(AdminRules):
    list_display = ["email", "ip_address", "succeeded", "created_at"]
    list_filter = ["succeeded"]
    search_fields = ["email", "ip_address"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(AdminRules):
    """Deleting a device is how an administrator resets a lost authenticator."""

    list_display = ["user", "created_at", "confirmed_at"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user"]
    exclude = ["secret", "last_used_step"]
    readonly_fields = ["user", "created_at", "confirmed_at"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
