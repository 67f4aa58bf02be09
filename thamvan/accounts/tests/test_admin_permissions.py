import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_the_secretariat_keeps_the_expert_registry_in_the_admin_site(as_user, secretariat):
    client = as_user(_staff(secretariat))
    assert client.get(reverse("admin:experts_expert_changelist")).status_code == 200
    assert client.get(reverse("admin:experts_expert_add")).status_code == 200
    assert client.get(reverse("admin:organizations_organization_add")).status_code == 200


def test_the_secretariat_reads_but_cannot_change_dossiers_or_users(as_user, secretariat):
    client = as_user(_staff(secretariat))
    assert client.get(reverse("admin:dossiers_dossier_changelist")).status_code == 200
    assert client.get(reverse("admin:dossiers_dossier_add")).status_code == 403
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_the_admin_role_manages_users(as_user, admin_user):
    client = as_user(admin_user)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200


def test_leadership_only_reads(as_user, leadership):
    client = as_user(_staff(leadership))
    assert client.get(reverse("admin:experts_expert_changelist")).status_code == 200
    assert client.get(reverse("admin:experts_expert_add")).status_code == 403


def test_staff_status_without_a_role_opens_nothing(as_user, outsider):
    client = as_user(_staff(outsider))
    assert client.get(reverse("admin:experts_expert_changelist")).status_code == 403
