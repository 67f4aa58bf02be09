"""Personas shared by every test: one user per role of the design, plus outsiders.

The organisations mirror the first deployment: the city People's Committee
with its planning department, a ward, the association and its branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _fresh_state() -> None:
    """Each test starts with an empty cache and the default language.

    Rate-limit counters must not leak between tests, and a request served in
    English by an earlier test must not leave English active in this thread.
    """
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    translation.activate("vi")


@dataclass
class Orgs:
    city: object
    department: object
    ward: object
    association: object
    branch: object
    consultant: object


@pytest.fixture
def orgs(db: None) -> Orgs:
    from thamvan.organizations.models import Organization
    from thamvan.organizations.tests.factories import OrganizationFactory

    city = OrganizationFactory(
        name="Ủy ban nhân dân thành phố Hà Nội",
        abbreviation="UBND",
        kind=Organization.Kind.CITY_COMMITTEE,
    )
    department = OrganizationFactory(
        name="Sở Quy hoạch - Kiến trúc Hà Nội",
        abbreviation="QHKT",
        kind=Organization.Kind.DEPARTMENT,
        parent=city,
    )
    ward = OrganizationFactory(
        name="Ủy ban nhân dân phường Hoàn Kiếm",
        abbreviation="UBND",
        kind=Organization.Kind.COMMUNE_COMMITTEE,
        parent=city,
    )
    association = OrganizationFactory(
        name="Hội Quy hoạch phát triển đô thị Việt Nam",
        abbreviation="HQHPTĐTVN",
        kind=Organization.Kind.ASSOCIATION,
    )
    branch = OrganizationFactory(
        name="Hội Quy hoạch phát triển đô thị thành phố Hà Nội",
        abbreviation="HQHPTĐTHN",
        kind=Organization.Kind.ASSOCIATION_BRANCH,
        parent=association,
    )
    consultant = OrganizationFactory(name="Viện Quy hoạch Xây dựng Hà Nội")
    return Orgs(city, department, ward, association, branch, consultant)


def _member(org: object, role: str, name: str, email: str) -> object:
    from thamvan.accounts.tests.factories import MembershipFactory, UserFactory

    user = UserFactory(full_name=name, email=email)
    MembershipFactory(user=user, organization=org, role=role)
    return user


@pytest.fixture
def officer(orgs: Orgs) -> object:
    return _member(orgs.department, "agency_officer", "Nguyễn Thị Hạnh", "officer@example.vn")


@pytest.fixture
def other_officer(orgs: Orgs) -> object:
    return _member(orgs.ward, "agency_officer", "Đỗ Văn Long", "ward-officer@example.vn")


@pytest.fixture
def secretariat(orgs: Orgs) -> object:
    return _member(orgs.association, "secretariat", "Phạm Thu Trang", "secretariat@example.vn")


@pytest.fixture
def expert_user(orgs: Orgs) -> object:
    return _member(orgs.association, "expert", "Trần Quốc Bảo", "expert@example.vn")


@pytest.fixture
def other_expert_user(orgs: Orgs) -> object:
    return _member(orgs.branch, "expert", "Lê Thị Mai", "expert2@example.vn")


@pytest.fixture
def leadership(orgs: Orgs) -> object:
    return _member(orgs.city, "leadership", "Vũ Đình Khoa", "leader@example.vn")


@pytest.fixture
def admin_user(orgs: Orgs) -> object:
    user = _member(orgs.association, "admin", "Hoàng Văn Quản", "admin@example.vn")
    user.is_staff = True  # type: ignore[attr-defined]
    user.save(update_fields=["is_staff"])  # type: ignore[attr-defined]
    return user


@pytest.fixture
def outsider(db: None) -> object:
    from thamvan.accounts.tests.factories import UserFactory

    return UserFactory(full_name="Ngô Văn Khách", email="outsider@example.vn")


def client_for(user: object) -> Client:
    """A signed-in client whose session passed the second sign-in step."""
    from thamvan.accounts.tests.sessions import verified_client

    return verified_client(user)


@pytest.fixture
def as_user():
    """Return a logged-in test client for a persona: as_user(secretariat)."""
    return client_for


def token_client_for(user: Any) -> Client:
    """A client that sends a fresh personal API token of the user on every request."""
    from thamvan.accounts.tokens import api_token_create

    _token, raw = api_token_create(actor=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def api_client():
    """Return an API client for a persona: api_client(officer)."""
    return token_client_for


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Transactional tests (browser tests) flush every table afterwards, which
    # would also remove the reference data migrations load (administrative
    # units, specialties, deadline rules); restoring it keeps later tests honest.
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = set(getattr(item, "fixturenames", ()))
        if marker is not None and marker.kwargs.get("transaction"):
            kwargs = dict(marker.kwargs)
        elif fixtures & {"live_server", "transactional_db"}:
            kwargs = {**(marker.kwargs if marker is not None else {}), "transaction": True}
        else:
            continue
        item.add_marker(pytest.mark.django_db(**kwargs, serialized_rollback=True), append=False)


# --- Browser -------------------------------------------------------------------------
# End-to-end tests drive Debian's Chromium through Playwright. They skip only
# where Chromium is absent and THAMVAN_REQUIRE_BROWSER is not "true" (CI sets it).

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser() -> Any:
    import os
    import shutil

    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("THAMVAN_REQUIRE_BROWSER") == "true":
            pytest.fail("Chromium is required (THAMVAN_REQUIRE_BROWSER=true) but not installed")
        pytest.skip("Chromium is not installed")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@pytest.fixture
def page_for(browser: Any, live_server: Any) -> Any:
    """A page signed in as the user, in a browser context of its own."""
    from django.conf import settings

    contexts = []

    def open_page(user: Any) -> Any:
        from thamvan.accounts.tests.sessions import verified_client

        client = verified_client(user)
        context = browser.new_context(base_url=live_server.url, locale="vi-VN")
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield open_page
    for context in contexts:
        context.close()
