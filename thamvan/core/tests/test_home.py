"""The home page's to-do list: its empty state and who may open it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from thamvan.core.tests.todo_page import home_items, home_text

pytestmark = pytest.mark.django_db

NOTHING = "Nothing is waiting for you."


def test_with_nothing_waiting_the_page_says_so(as_user, outsider):
    client = as_user(outsider)
    assert home_items(client) == []
    assert gettext(NOTHING) in home_text(client)


def test_the_home_page_needs_a_signed_in_user():
    response = Client().get(reverse("core:home"))
    assert response.status_code == 302
