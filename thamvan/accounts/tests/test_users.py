import unicodedata

import pytest
from django.urls import reverse

from thamvan.accounts.models import User
from thamvan.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_users_sort_by_given_name():
    for name in ["Trần Văn Bình", "Nguyễn Thị An", "Lê Đức Anh", "Phạm Minh Đạt"]:
        UserFactory(full_name=name)
    names = list(User.objects.values_list("full_name", flat=True))
    assert names == ["Nguyễn Thị An", "Lê Đức Anh", "Trần Văn Bình", "Phạm Minh Đạt"]


def test_names_are_stored_as_nfc():
    UserFactory(email="hanh@example.vn", full_name=unicodedata.normalize("NFD", "Nguyễn Thị Hạnh"))
    user = User.objects.get(email="hanh@example.vn")
    assert user.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Hạnh")


def test_roles_come_from_active_memberships(officer, secretariat):
    assert officer.roles == {"agency_officer"}
    membership = secretariat.memberships.get()
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    assert User.objects.get(pk=secretariat.pk).roles == set()


def test_the_ui_is_vietnamese_by_default_and_switches_to_english(as_user, officer):
    client = as_user(officer)
    assert "Hồ sơ quy hoạch" in client.get(reverse("core:home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Planning dossiers" in client.get(reverse("core:home")).content.decode()


def test_the_ui_stays_vietnamese_for_browsers_set_to_english(as_user, officer):
    response = as_user(officer).get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Hồ sơ quy hoạch" in response.content.decode()
    assert response["Content-Language"] == "vi"


def test_the_profile_lists_the_users_roles(as_user, officer):
    response = as_user(officer).get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert "Sở Quy hoạch - Kiến trúc Hà Nội" in response.content.decode()
