import pytest
from django.urls import reverse

from thamvan.accounts import throttle
from thamvan.accounts.tests.factories import PASSWORD, UserFactory
from thamvan.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _login(client, email: str, password: str):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_a_failed_sign_in_is_audited_with_the_address_typed(client):
    UserFactory(email="hanh@example.vn")
    _login(client, "Hanh@Example.vn", "wrong")
    entry = AuditEntry.objects.get()
    assert entry.action == "login.failed"
    assert entry.actor is None
    assert entry.details == {"email": "hanh@example.vn"}
    assert entry.ip_address == "127.0.0.1"


def test_a_throttled_sign_in_is_audited_as_such(client, settings):
    settings.LOGIN_MAX_FAILURES = 2
    UserFactory(email="hanh@example.vn")
    for _ in range(3):
        _login(client, "hanh@example.vn", PASSWORD if _ == 2 else "wrong")
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["login.failed", "login.failed", "login.throttled"]


def test_a_successful_sign_in_is_audited_with_its_actor(client):
    user = UserFactory(email="hanh@example.vn")
    _login(client, "hanh@example.vn", PASSWORD)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor) == ("login.succeeded", user)


def test_api_token_failures_throttle_an_address_after_the_limit(settings):
    settings.API_TOKEN_MAX_FAILURES = 3
    for _ in range(2):
        throttle.record_token_failure("203.0.113.9")
    assert not throttle.check_token_failures("203.0.113.9")
    throttle.record_token_failure("203.0.113.9")
    assert throttle.check_token_failures("203.0.113.9")
    assert not throttle.check_token_failures("203.0.113.10")
