"""WCAG 2.2 AA on the pages the main run cannot reach with a ready session: the second
sign-in step (set-up, recovery codes, verification) and the server error page."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from thamvan.accounts.models import Membership, Role
from thamvan.accounts.tests.factories import UserFactory
from thamvan.core.tests.test_accessibility import _violations
from thamvan.organizations.tests.factories import OrganizationFactory

PASSWORD = "Mật-khẩu-dài-2026"


def _sign_in(page: Any, email: str) -> None:
    page.goto(reverse("accounts:login"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_second_sign_in_step_has_no_wcag_a_or_aa_violation(
    browser: Any, live_server: Any
) -> None:
    # A secretary: the role requires a second step, and the account has none yet.
    user: Any = UserFactory(email="thuky@hoi.example.vn", password=PASSWORD)
    Membership.objects.create(
        user=user, organization=OrganizationFactory.create(), role=Role.SECRETARIAT
    )
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    report: dict[str, list[str]] = {}

    _sign_in(page, user.email)
    assert page.url.endswith(reverse("mfa:enrol"))
    for violation in _violations(page):
        report.setdefault(violation, []).append("enrol")
    secret = page.inner_text("code.mfa-secret").replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("main form button.primary")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("mfa:recovery_codes"))
    for violation in _violations(page):
        report.setdefault(violation, []).append("recovery codes")

    page.context.clear_cookies()
    _sign_in(page, user.email)
    assert page.url.endswith(reverse("mfa:verify"))
    for violation in _violations(page):
        report.setdefault(violation, []).append("verify")
    # A wrong code: the page again, with its error summary.
    page.fill("input[name=code]", "000000")
    page.click("main form button.primary")
    page.wait_for_selector(".form-errors")
    for violation in _violations(page):
        report.setdefault(violation, []).append("verify with an error")
    context.close()
    assert report == {}, report


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_server_error_page_has_no_wcag_a_or_aa_violation(
    browser: Any, live_server: Any
) -> None:
    # The page Django renders when a view fails, served as such; its styles and
    # scripts come from the live server like any page's.
    html = render_to_string("500.html", request=RequestFactory().get("/"))
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    context.route(
        "**/loi-may-chu/",
        lambda route: route.fulfill(status=500, body=html, content_type="text/html"),
    )
    page = context.new_page()
    response = page.goto("/loi-may-chu/")
    assert response is not None and response.status == 500
    assert page.locator("main h1").count() == 1
    assert _violations(page) == []
    context.close()
