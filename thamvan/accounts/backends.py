"""Admin-site permissions that follow the roles of DESIGN §2.

The admin site is for administrators only (``thamvan/core/admin.py``), so the
administrator role grants every model permission and no other role grants
any: the other roles work in the pages, through their access helpers. What an
administrator may still not do (delete history, edit what services own) each
ModelAdmin refuses itself. Deriving permissions from the role keeps one source
of truth rather than model permissions kept in step with memberships by hand.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from thamvan.accounts.models import Role


def _is_administrator(user_obj: Any) -> bool:
    return bool(user_obj.is_active and hasattr(user_obj, "roles") and Role.ADMIN in user_obj.roles)


class RolePermissionBackend(BaseBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return _is_administrator(user_obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return _is_administrator(user_obj)
