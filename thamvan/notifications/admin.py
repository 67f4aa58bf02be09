from __future__ import annotations

from django.contrib import admin

from thamvan.core.admin_rules import ReadOnlyAdmin
from thamvan.notifications.models import Notification, OutgoingEmail


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Personal messages: the administrator may read them to help a user, never alter them."""

    list_display = ("recipient", "kind", "message", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    """What the site sent, to whom and how it went: the place to answer "I got no mail"."""

    list_display = ("recipient", "subject", "template", "status", "attempts", "created_at")
    list_filter = ("status", "template")
    search_fields = ("recipient", "subject")
    exclude = ("body",)
