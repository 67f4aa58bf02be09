import pytest
from django.urls import reverse

from thamvan.accounts.models import LoginAttempt
from thamvan.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, email: str, password: str):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_a_user_signs_in_with_email_and_password(client):
    user = UserFactory(email="hanh@example.vn")
    response = _login(client, "Hanh@Example.vn", PASSWORD)
    assert response.status_code == 302
    assert response.wsgi_request.user == user


def test_a_wrong_password_gets_a_translated_message_and_keeps_the_email(client):
    UserFactory(email="hanh@example.vn")
    response = _login(client, "hanh@example.vn", "wrong")
    assert response.status_code == 200
    assert "Địa chỉ email hoặc mật khẩu không đúng" in response.content.decode()
    assert 'value="hanh@example.vn"' in response.content.decode()


def test_too_many_failures_lock_the_account_even_with_the_right_password(client, settings):
    settings.LOGIN_MAX_FAILURES = 3
    UserFactory(email="hanh@example.vn")
    for _ in range(3):
        _login(client, "hanh@example.vn", "wrong")
    response = _login(client, "hanh@example.vn", PASSWORD)
    assert response.status_code == 200
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_a_success_clears_earlier_failures(client, settings):
    settings.LOGIN_MAX_FAILURES = 3
    UserFactory(email="hanh@example.vn")
    _login(client, "hanh@example.vn", "wrong")
    _login(client, "hanh@example.vn", PASSWORD)
    assert not LoginAttempt.objects.filter(email="hanh@example.vn", succeeded=False).exists()


def test_pages_need_a_signed_in_user(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_sign_out_is_a_post(as_user, officer):
    client = as_user(officer)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_password_reset_sends_a_vietnamese_email(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="hanh@example.vn", full_name="Nguyễn Thị Hạnh")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "hanh@example.vn"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "Nguyễn Thị Hạnh" in mailoutbox[0].body
    assert "/accounts/password/reset/" in mailoutbox[0].body


def test_password_reset_says_the_same_for_unknown_addresses(client, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.vn"})
    assert response.status_code == 302
    assert mailoutbox == []
