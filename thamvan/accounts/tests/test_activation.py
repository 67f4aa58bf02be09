"""Opening an activation link: the first password, then signed in (or on to the second step)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from thamvan.accounts import mfa, services
from thamvan.accounts.models import AccountInvitation, Role, User
from thamvan.accounts.tests.sessions import verified_client
from thamvan.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "Bốn-mùa-hoa-sữa-2026"
LINK = re.compile(r"/accounts/activate/([\w-]+)/")


@pytest.fixture
def invite(secretariat: Any, orgs: Any, mailoutbox: list[Any], django_capture_on_commit_callbacks):
    """Create an account with ``role`` and mail its link; returns (user, link path)."""

    def make(role: str = Role.EXPERT, email: str = "hung@example.vn") -> tuple[User, str]:
        with django_capture_on_commit_callbacks(execute=True):
            user = services.user_create(
                actor=secretariat,
                email=email,
                full_name="Nguyễn Văn Hùng",
                organization=orgs.association,
                role=role,
            )
            services.user_invite(actor=secretariat, user=user)
        match = LINK.search(mailoutbox[-1].body)
        assert match is not None
        return user, match.group()

    return make


def _activate(client: Client, link: str, password: str = PASSWORD) -> Any:
    opened = client.get(link)
    assert opened.status_code == 302
    return client.post(opened["Location"], {"new_password1": password, "new_password2": password})


def test_a_valid_link_sets_the_first_password_and_signs_the_expert_in(invite) -> None:
    user, link = invite()
    client = Client()

    opened = client.get(link)
    # The secret leaves the address at once.
    assert opened["Location"] == reverse("accounts:activate_password")
    form = client.get(opened["Location"])
    assert form.status_code == 200
    assert "hung@example.vn" in form.content.decode()
    response = client.post(
        opened["Location"], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert AccountInvitation.objects.get(user=user).state() == AccountInvitation.State.USED
    assert AuditEntry.objects.filter(action=services.USER_ACTIVATED, actor=user).exists()
    assert AuditEntry.objects.filter(action="login.succeeded", actor=user).exists()


def test_a_used_link_says_so_and_points_to_sign_in(invite) -> None:
    _user, link = invite()
    _activate(Client(), link)

    response = Client().get(link)

    assert response.status_code == 410
    assert response.context["state"] == "used"
    assert reverse("accounts:login") in response.content.decode()


def test_an_expired_link_says_so(invite) -> None:
    user, link = invite()
    AccountInvitation.objects.filter(user=user).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = Client().get(link)

    assert response.status_code == 410
    assert response.context["state"] == "expired"


def test_an_altered_link_is_not_found_and_never_an_error(invite) -> None:
    _user, link = invite()

    altered_links = (
        link[:-5] + "xxxx/",
        link.replace("activate/", "activate/x"),
        "/accounts/activate/%00/",
    )
    for altered in altered_links:
        response = Client().get(altered)
        assert response.status_code == 404
        assert gettext("This activation link cannot be used") in response.content.decode()


def test_a_link_replaced_by_a_newer_one_says_so(invite, secretariat) -> None:
    user, link = invite()
    services.user_invite(actor=secretariat, user=user)

    response = Client().get(link)

    assert response.status_code == 410
    assert response.context["state"] == "revoked"


def test_a_deactivated_accounts_link_no_longer_works(invite, secretariat) -> None:
    user, link = invite()
    services.user_deactivate(actor=secretariat, user=user, reason="nhập nhầm")

    assert Client().get(link).status_code == 410


def test_the_password_page_without_an_opened_link_explains_itself(db: None) -> None:
    response = Client().post(reverse("accounts:activate_password"), {"new_password1": PASSWORD})

    assert response.status_code == 404
    assert response.context["state"] == "unknown"


def test_a_weak_password_keeps_the_link_usable(invite) -> None:
    user, link = invite()
    client = Client()

    response = _activate(client, link, password="hung")

    assert response.status_code == 200
    assert response.context["form"].errors
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert _activate(client, link).status_code == 302


def test_a_link_spent_meanwhile_is_refused_at_submission(invite) -> None:
    user, link = invite()
    client = Client()
    opened = client.get(link)
    _activate(Client(), link)

    response = client.post(
        opened["Location"], {"new_password1": PASSWORD + "x", "new_password2": PASSWORD + "x"}
    )

    assert response.status_code == 410
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_role_that_needs_a_second_factor_enrols_before_signing_in(invite) -> None:
    user, link = invite(role=Role.SECRETARIAT, email="thu@example.vn")
    client = Client()

    response = _activate(client, link)

    assert response["Location"] == reverse("mfa:enrol")
    assert "_auth_user_id" not in client.session
    assert client.session[mfa.PENDING_SESSION_KEY]["user_id"] == user.pk
    enrol = client.get(reverse("mfa:enrol"))
    assert enrol.status_code == 200
    assert enrol.context["in_second_step"] is True


def test_another_persons_session_does_not_survive_the_activation(invite, officer) -> None:
    user, link = invite()
    client = verified_client(officer)

    _activate(client, link)

    assert client.session["_auth_user_id"] == str(user.pk)
