from __future__ import annotations

from django.contrib import admin

from thamvan.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "message", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    readonly_fields = ("recipient", "kind", "message", "url", "dedupe_key", "created_at")
