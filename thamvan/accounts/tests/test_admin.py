"""The user admin: audited without secrets, and users are deactivated rather than deleted."""

import pytest
from django.urls import reverse

from thamvan.accounts.models import User
from thamvan.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Mật-khẩu-mới-2026!"


def test_a_password_set_in_the_admin_is_audited_without_its_value(as_user, admin_user, officer):
    url = reverse("admin:auth_user_password_change", args=[officer.pk])
    response = as_user(admin_user).post(
        url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.object.changed")
    assert (entry.actor, entry.target_id) == (admin_user, str(officer.pk))
    assert entry.details["fields"]
    assert NEW_PASSWORD not in entry.data
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)


def test_a_user_cannot_be_deleted_in_the_admin(as_user, admin_user, officer):
    url = reverse("admin:accounts_user_delete", args=[officer.pk])

    assert as_user(admin_user).post(url, {"post": "yes"}).status_code == 403

    assert User.objects.filter(pk=officer.pk).exists()
