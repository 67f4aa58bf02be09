"""Admin-site permissions that follow the roles of DESIGN §2.

Model permissions would have to be kept in step with memberships by hand;
deriving them from the role keeps one source of truth.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from thamvan.accounts.models import Role

# Apps whose records the association's office keeps in the admin site.
SECRETARIAT_APPS = frozenset(
    {"organizations", "experts", "consultations", "programme", "events", "research"}
)
# Apps whose records leaders and the office may read in the admin site.
READABLE_APPS = SECRETARIAT_APPS | {"dossiers", "documents", "notifications"}


def _split(perm: str) -> tuple[str, str]:
    app_label, _, codename = perm.partition(".")
    return app_label, codename.split("_", 1)[0]


class RolePermissionBackend(BaseBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not (user_obj.is_active and user_obj.is_staff and hasattr(user_obj, "roles")):
            return False
        roles = user_obj.roles
        if Role.ADMIN in roles:
            return True
        app_label, action = _split(perm)
        if Role.SECRETARIAT in roles and app_label in SECRETARIAT_APPS:
            return True
        if roles & {Role.SECRETARIAT, Role.LEADERSHIP} and app_label in READABLE_APPS:
            return action == "view"
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        if not (user_obj.is_active and user_obj.is_staff and hasattr(user_obj, "roles")):
            return False
        roles = user_obj.roles
        if Role.ADMIN in roles:
            return True
        return bool(roles & {Role.SECRETARIAT, Role.LEADERSHIP}) and app_label in READABLE_APPS
