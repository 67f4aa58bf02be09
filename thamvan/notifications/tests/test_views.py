"""The notification list with its unread count, marking read, and the email."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from thamvan.notifications.models import Notification
from thamvan.notifications.services import notify
from thamvan.notifications.tasks import send_notification_emails

pytestmark = pytest.mark.django_db


def test_the_list_shows_only_ones_own_notifications_with_the_unread_count(
    as_user, officer, secretariat
):
    notify([officer], kind="test", message="Hồ sơ N9 đã được tiếp nhận", url="/consultations/1/")
    notify([secretariat], kind="test", message="Thư của người khác")
    response = as_user(officer).get(reverse("notifications:list"))
    body = response.content.decode()
    assert "Hồ sơ N9 đã được tiếp nhận" in body and "Thư của người khác" not in body
    assert response.context["unread_count"] == 1


def test_marking_read_is_only_for_the_recipient(as_user, officer, secretariat):
    (notification,) = notify([officer], kind="test", message="Xin chào", url="/consultations/1/")
    url = reverse("notifications:read", args=[notification.pk])
    assert as_user(secretariat).post(url).status_code == 404
    response = as_user(officer).post(url, {"open": "1"})
    assert response.status_code == 302 and response.url == "/consultations/1/"
    notification.refresh_from_db()
    assert notification.is_read


def test_mark_all_read(as_user, officer):
    notify([officer], kind="a", message="Một")
    notify([officer], kind="b", message="Hai")
    as_user(officer).post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=officer).unread().exists()


def test_an_external_link_is_never_followed(as_user, officer):
    (notification,) = notify([officer], kind="test", message="x", url="https://evil.example/")
    response = as_user(officer).post(
        reverse("notifications:read", args=[notification.pk]), {"open": "1"}
    )
    assert response.url == reverse("notifications:list")


def test_the_list_query_count_does_not_grow(as_user, officer, django_assert_max_num_queries):
    for n in range(3):
        notify([officer], kind="t", message=f"Thông báo {n}")
    client = as_user(officer)
    with django_assert_max_num_queries(10) as first:
        client.get(reverse("notifications:list"))
    for n in range(30):
        notify([officer], kind="t", message=f"Thêm {n}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("notifications:list"), HTTP_HX_REQUEST="true")
    assert response.content.decode().count("notification-unread") == 25


def test_the_badge_shows_the_unread_count(as_user, officer):
    notify([officer], kind="t", message="x")
    assert (
        '<span class="badge">1</span>'
        in as_user(officer).get(reverse("notifications:badge")).content.decode()
    )


def test_emails_are_sent_once(officer, django_capture_on_commit_callbacks):
    (notification,) = notify([officer], kind="t", message="Nhắc hạn")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification_emails.call([notification.pk])
        send_notification_emails.call([notification.pk])
    assert len([m for m in mail.outbox if officer.email in m.to]) == 1


def test_a_dedupe_key_notifies_once(officer):
    notify([officer], kind="t", message="x", dedupe_key="k1")
    notify([officer], kind="t", message="x", dedupe_key="k1")
    assert Notification.objects.filter(recipient=officer).count() == 1
