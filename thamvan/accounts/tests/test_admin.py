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


def test_deactivating_in_the_admin_goes_through_the_people_service(admin_user, expert_user, rf):
    from types import SimpleNamespace

    from django.contrib import admin

    from thamvan.accounts import services
    from thamvan.accounts.tokens import api_token_create

    api_token_create(actor=expert_user, name="script")
    request = rf.post("/admin/")
    request.user = admin_user
    expert_user.is_active = False

    admin.site._registry[User].save_model(
        request, expert_user, SimpleNamespace(changed_data=["is_active"]), change=True
    )

    expert_user.refresh_from_db()
    assert not expert_user.is_active
    assert not expert_user.api_tokens.filter(revoked_at__isnull=True).exists()
    entry = AuditEntry.objects.get(action=services.USER_DEACTIVATED)
    assert entry.actor == admin_user and entry.details["reason"] == "administration site"


def test_an_administrator_cannot_untick_their_own_active_flag(as_user, admin_user, officer):
    own = as_user(admin_user).get(reverse("admin:accounts_user_change", args=[admin_user.pk]))
    other = as_user(admin_user).get(reverse("admin:accounts_user_change", args=[officer.pk]))

    assert 'name="is_active"' not in own.content.decode()
    assert 'name="is_active"' in other.content.decode()
