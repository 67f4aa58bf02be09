"""Rules every ModelAdmin follows, administrators included.

* Every add, change and deletion made in the admin is written to the audit log
  in the transaction that makes it, with the names of the changed fields
  (never their values: a password or a secret must not reach the log).
  Django's own admin history is kept as well, but it is not the audit.
* Nothing with history is deleted: a ModelAdmin names what counts as history
  in ``has_history``; the delete page is then refused for that object. The
  bulk delete action, which would skip that check, is not offered at all.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.admin import ModelAdmin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from thamvan.audit.services import record

ADDED = "admin.object.added"
CHANGED = "admin.object.changed"
DELETED = "admin.object.deleted"


def _what_changed(message: Any) -> dict[str, list[str]]:
    # Django's change message names the changed fields (by label) and the
    # inline rows added, changed or deleted; the audit keeps just those names.
    fields: list[str] = []
    rows: list[str] = []
    for part in message if isinstance(message, list) else ():
        for verb, details in part.items():
            fields.extend(str(field) for field in details.get("fields", ()))
            if "name" in details:
                rows.append(f"{verb} {details['name']}: {details.get('object', '')}")
    return {"fields": fields, "rows": rows}


def is_referenced(obj: models.Model) -> bool:
    """Whether any row refers to ``obj``: an organisation or a commune still in use."""
    for relation in obj._meta.related_objects:
        model = cast(type[models.Model], relation.related_model)
        if model._base_manager.filter(**{relation.field.name: obj}).exists():
            return True
    return False


class AdminRules(ModelAdmin):
    def has_history(self, obj: Any) -> bool:
        """Whether deleting ``obj`` would erase history the platform must keep."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and self.has_history(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        self._audit(request, ADDED, obj, _what_changed(message))
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        self._audit(request, CHANGED, obj, _what_changed(message))
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        for obj in queryset:
            self._audit(request, DELETED, obj, {})
        return super().log_deletions(request, queryset)

    def _audit(
        self, request: HttpRequest, action: str, obj: models.Model, data: dict[str, Any]
    ) -> None:
        record(actor=request.user, action=action, target=obj, data=data, request=request)


class ReadOnlyAdmin(AdminRules):
    """Shown to the administrator, changed only by the services behind the pages."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
