import time
from typing import Any

import pyotp
import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse
from django.utils import timezone

from thamvan.accounts import mfa
from thamvan.accounts.forms import MFA_THROTTLED_MESSAGE
from thamvan.accounts.models import RecoveryCode, TOTPDevice
from thamvan.accounts.tests.factories import PASSWORD, MembershipFactory, UserFactory
from thamvan.accounts.tests.sessions import unverified_client, verified_client
from thamvan.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _login(client, user, **extra):
    return client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD, **extra}
    )


def _device(user, *, step=0):
    return TOTPDevice.objects.create(
        user=user, secret=pyotp.random_base32(), confirmed_at=timezone.now(), last_used_step=step
    )


def _code(device):
    return pyotp.TOTP(device.secret).now()


def _actions():
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


# Who must use a second factor -----------------------------------------------


def test_a_required_role_gets_no_session_from_the_password_alone(client, secretariat):
    response = _login(client, secretariat)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa:enrol")
    home = client.get(reverse("core:home"))
    assert home.status_code == 302
    assert reverse("accounts:login") in home["Location"]


def test_an_expert_without_an_authenticator_signs_in_with_a_password(client, expert_user):
    response = _login(client, expert_user)
    assert response.status_code == 302
    assert response.wsgi_request.user == expert_user
    assert client.get(reverse("core:home")).status_code == 200
    assert _actions() == ["login.succeeded"]


def test_an_expert_who_enrolled_is_asked_for_the_code(client, expert_user):
    _device(expert_user)
    response = _login(client, expert_user)
    assert response["Location"] == reverse("mfa:verify")
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.parametrize(
    "role", ["secretariat", "admin", "leadership", "agency_officer"], ids=lambda r: r
)
def test_every_role_of_the_brief_requires_a_second_factor(role):
    membership: Any = MembershipFactory(role=role)
    assert mfa.is_required(membership.user)


def test_the_required_roles_are_configurable(settings, secretariat, expert_user):
    settings.MFA_REQUIRED_ROLES = {"expert"}
    assert mfa.is_required(expert_user)
    assert not mfa.is_required(secretariat)


def test_demo_accounts_are_exempt_in_demo_mode_only(client, settings, orgs):
    demo: Any = UserFactory(email="vanphong@thamvan.example")
    MembershipFactory(user=demo, organization=orgs.association, role="secretariat")
    settings.DEMO_MODE = True
    assert not mfa.is_required(demo)
    assert _login(client, demo).wsgi_request.user == demo
    settings.DEMO_MODE = False
    assert mfa.is_required(demo)


def test_demo_mode_does_not_exempt_real_accounts(settings, secretariat):
    settings.DEMO_MODE = True
    assert mfa.is_required(secretariat)


# Enrolment ------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_key(client, secretariat):
    _login(client, secretariat)
    response = client.get(reverse("mfa:enrol"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    secret = client.session[mfa.ENROL_SECRET_SESSION_KEY]
    assert mfa.grouped_secret(secret) in html


def test_enrolment_with_a_right_code_signs_in_and_shows_ten_codes_once(client, secretariat):
    _login(client, secretariat, next="/organizations/")
    client.get(reverse("mfa:enrol"))
    secret = client.session[mfa.ENROL_SECRET_SESSION_KEY]
    response = client.post(reverse("mfa:enrol"), {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == reverse("mfa:recovery_codes")
    assert response.wsgi_request.user == secretariat
    page = client.get(reverse("mfa:recovery_codes"))
    codes = page.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in page.content.decode() for code in codes)
    assert client.get(reverse("mfa:recovery_codes")).context["codes"] is None
    stored = list(RecoveryCode.objects.filter(user=secretariat))
    assert len(stored) == 10
    for row in stored:
        secret_part = next(c for c in codes if c.startswith(row.lookup)).replace("-", "")[4:]
        assert secret_part not in row.code_hash
        assert check_password(secret_part, row.code_hash)
    assert TOTPDevice.objects.get(user=secretariat).secret == secret
    assert "mfa.enrolled" in _actions()


def test_enrolment_with_a_wrong_code_keeps_the_user_out(client, secretariat):
    _login(client, secretariat)
    client.get(reverse("mfa:enrol"))
    response = client.post(reverse("mfa:enrol"), {"code": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not response.wsgi_request.user.is_authenticated
    assert not TOTPDevice.objects.filter(user=secretariat).exists()


def test_a_password_alone_cannot_replace_an_existing_authenticator(client, secretariat):
    device = _device(secretariat)
    _login(client, secretariat)
    response = client.get(reverse("mfa:enrol"))
    assert response["Location"] == reverse("mfa:verify")
    assert TOTPDevice.objects.get(user=secretariat).secret == device.secret


# Verification ---------------------------------------------------------------


def test_the_right_code_completes_sign_in_and_goes_to_next(client, secretariat):
    device = _device(secretariat)
    _login(client, secretariat, next="/organizations/")
    response = client.post(reverse("mfa:verify"), {"code": _code(device)})
    assert response.status_code == 302
    assert response["Location"] == "/organizations/"
    assert response.wsgi_request.user == secretariat
    assert client.get(reverse("core:home")).status_code == 200
    assert AuditEntry.objects.get(action="login.succeeded").details == {"mfa": "totp"}


def test_next_pointing_elsewhere_is_ignored(client, secretariat):
    device = _device(secretariat)
    _login(client, secretariat, next="https://evil.example/")
    response = client.post(reverse("mfa:verify"), {"code": _code(device)})
    assert response["Location"] == reverse("core:home")


def test_a_wrong_code_is_refused_and_audited(client, secretariat):
    _device(secretariat)
    _login(client, secretariat)
    response = client.post(reverse("mfa:verify"), {"code": "123456"})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert "mfa.failed" in _actions()


def test_a_code_cannot_be_used_twice_within_its_window(client, secretariat):
    device = _device(secretariat)
    code = _code(device)
    _login(client, secretariat)
    assert client.post(reverse("mfa:verify"), {"code": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    _login(client, secretariat)
    response = client.post(reverse("mfa:verify"), {"code": code})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_codes_from_one_step_either_side_are_accepted_for_clock_drift():
    secret = pyotp.random_base32()
    now = time.time()
    totp = pyotp.TOTP(secret)
    assert mfa.matching_step(secret, totp.at(now - 30), at=now) is not None
    assert mfa.matching_step(secret, totp.at(now + 30), at=now) is not None
    assert mfa.matching_step(secret, totp.at(now - 90), at=now) is None


def test_too_many_wrong_codes_lock_the_second_step(client, settings, secretariat):
    settings.MFA_MAX_FAILURES = 3
    device = _device(secretariat)
    _login(client, secretariat)
    for _ in range(3):
        client.post(reverse("mfa:verify"), {"code": "000000"})
    response = client.post(reverse("mfa:verify"), {"code": _code(device)})
    assert response.status_code == 429
    expected = str(MFA_THROTTLED_MESSAGE % {"minutes": 15})
    assert response.context["form"].non_field_errors() == [expected]
    assert not response.wsgi_request.user.is_authenticated
    assert "mfa.throttled" in _actions()


def test_the_second_step_expires(client, secretariat, monkeypatch):
    _device(secretariat)
    _login(client, secretariat)
    later = time.time() + mfa.PENDING_LIFETIME_SECONDS + 1
    monkeypatch.setattr(mfa.time, "time", lambda: later)
    response = client.get(reverse("mfa:verify"))
    assert response["Location"] == reverse("accounts:login")


def test_verify_without_a_password_step_goes_to_login(client):
    response = client.get(reverse("mfa:verify"))
    assert response["Location"] == reverse("accounts:login")


# Recovery -------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(client, secretariat):
    _device(secretariat)
    codes = mfa.generate_recovery_codes(secretariat)
    _login(client, secretariat)
    response = client.post(reverse("mfa:verify"), {"code": codes[0].upper()})
    assert response.wsgi_request.user == secretariat
    assert mfa.remaining_recovery_codes(secretariat) == 9
    assert "mfa.recovery_used" in _actions()
    client.post(reverse("accounts:logout"))
    _login(client, secretariat)
    response = client.post(reverse("mfa:verify"), {"code": codes[0]})
    assert not response.wsgi_request.user.is_authenticated


def test_after_recovery_the_user_can_set_up_a_new_authenticator(client, secretariat):
    old = _device(secretariat)
    codes = mfa.generate_recovery_codes(secretariat)
    _login(client, secretariat)
    client.post(reverse("mfa:verify"), {"code": codes[1]})
    client.get(reverse("mfa:enrol"))
    secret = client.session[mfa.ENROL_SECRET_SESSION_KEY]
    response = client.post(reverse("mfa:enrol"), {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == reverse("mfa:recovery_codes")
    assert TOTPDevice.objects.get(user=secretariat).secret not in (old.secret, "")
    assert TOTPDevice.objects.get(user=secretariat).secret == secret


def test_new_recovery_codes_void_the_old_ones(client, secretariat):
    device = _device(secretariat)
    old = mfa.generate_recovery_codes(secretariat)
    _login(client, secretariat)
    client.post(reverse("mfa:verify"), {"code": _code(device)})
    response = client.post(reverse("mfa:recovery_codes"))
    assert response.status_code == 302
    new = client.get(reverse("mfa:recovery_codes")).context["codes"]
    assert len(new) == 10
    assert not mfa.use_recovery_code(secretariat, old[0])
    assert mfa.use_recovery_code(secretariat, new[0])
    assert "mfa.recovery_regenerated" in _actions()


def test_recovery_codes_page_needs_a_verified_session(expert_user):
    _device(expert_user)
    response = unverified_client(expert_user).get(reverse("mfa:recovery_codes"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa:verify")


# Enforcement for sessions opened elsewhere -----------------------------------


def test_a_session_without_the_second_step_can_only_reach_the_mfa_pages(secretariat):
    client = unverified_client(secretariat)
    response = client.get(reverse("organizations:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa:enrol")
    assert client.get(reverse("mfa:enrol")).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_an_enrolled_user_in_such_a_session_is_sent_to_verify(secretariat):
    _device(secretariat)
    response = unverified_client(secretariat).get(
        reverse("core:home"), headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == reverse("mfa:verify")


def test_a_verified_session_passes(secretariat):
    client = verified_client(secretariat)
    assert client.get(reverse("organizations:list")).status_code == 200


def test_a_user_without_a_required_role_passes(expert_user):
    assert unverified_client(expert_user).get(reverse("core:home")).status_code == 200
