"""The admin site belongs to the administrator role; staff status alone opens nothing."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_the_admin_role_manages_users(as_user, admin_user):
    client = as_user(admin_user)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200


def test_the_admin_role_needs_no_staff_status(as_user, admin_user):
    admin_user.is_staff = False
    admin_user.save(update_fields=["is_staff"])
    assert as_user(admin_user).get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("persona", ["secretariat", "leadership", "officer", "outsider"])
def test_staff_status_without_the_admin_role_finds_no_admin(as_user, request, persona):
    client = as_user(_staff(request.getfixturevalue(persona)))
    assert client.get(reverse("admin:index")).status_code == 404
    assert client.get(reverse("admin:experts_expert_changelist")).status_code == 404


def test_a_deactivated_administrator_is_shut_out(as_user, admin_user):
    client = as_user(admin_user)
    admin_user.is_active = False
    admin_user.save(update_fields=["is_active"])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
