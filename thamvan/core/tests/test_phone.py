"""At a phone's size (390×844) the main pages never scroll sideways, the header stays
compact and the folded menu opens onto every link of the navigation."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.dossiers.tests.factories import DossierFactory, DossierVersionFactory
from thamvan.experts.tests.factories import ExpertFactory
from thamvan.programme.tests.factories import TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# The header with the menu folded: brand, menu button and the user's tools on two short rows.
HEADER_MAX_HEIGHT = 120


@pytest.fixture
def scenario(orgs: Any, officer: Any, secretariat: Any, expert_user: Any, other_expert_user: Any):
    """A reported consultation (synthesis, responses) and an accepted one forming its panel."""
    members = [
        (expert_user, ExpertFactory.create(user=expert_user, full_name="Trần Quốc Bảo")),
        (other_expert_user, ExpertFactory.create(user=other_expert_user, full_name="Lê Thị Mai")),
    ]
    unlinked = ExpertFactory.create_batch(30)[0]
    dossier = DossierFactory.create(
        lead_agency=orgs.department,
        name="Quy hoạch chi tiết tỷ lệ 1/500 khu đô thị mới Tây Nam đường vành đai 3,5",
    )
    DossierVersionFactory.create(dossier=dossier)
    reported = advance(
        ConsultationFactory.create(dossier=dossier, association=orgs.association),
        "reported",
        officer=officer,
        secretariat=secretariat,
        members=members,
    )
    forming = advance(
        ConsultationFactory.create(dossier=dossier, association=orgs.association),
        "accepted",
        officer=officer,
        secretariat=secretariat,
    )
    TaskFactory.create(lead_organization=orgs.department)
    return {
        "dossier": dossier,
        "reported": reported,
        "forming": forming,
        "person": expert_user,
        "unlinked": unlinked,
    }


def _pages(scenario: dict[str, Any]) -> dict[str, list[str]]:
    dossier, reported, forming = scenario["dossier"], scenario["reported"], scenario["forming"]
    everyone = [
        reverse("core:home"),
        reverse("dossiers:list"),
        dossier.get_absolute_url(),
        reverse("consultations:list"),
        reported.get_absolute_url(),
        reverse("search:search") + "?q=quy+hoạch",
        reverse("events:list"),
        reverse("research:list"),
        reverse("organizations:list"),
        reverse("notifications:list"),
        reverse("accounts:profile"),
    ]
    return {
        "officer": [
            *everyone,
            reverse("consultations:responses", args=[reported.pk]),
            reverse("programme:list"),
            reverse("dashboard:index"),
        ],
        "secretariat": [
            *everyone,
            reverse("consultations:panel", args=[forming.pk]),
            reverse("consultations:synthesis", args=[reported.pk]),
            reverse("consultations:responses", args=[reported.pk]),
            reverse("experts:list"),
            scenario["unlinked"].get_absolute_url(),
            reverse("people:list"),
            reverse("people:create"),
            reverse("people:detail", args=[scenario["person"].pk]),
            reverse("programme:list"),
            reverse("dashboard:index"),
        ],
        "expert_user": [
            *everyone,
            reverse("consultations:synthesis", args=[reported.pk]),
            reverse("experts:me"),
        ],
        "leadership": [
            *everyone,
            reverse("experts:list"),
            reverse("programme:list"),
            reverse("dashboard:index"),
        ],
    }


def _phone_page(page_for: Any, user: Any) -> Any:
    page = page_for(user)
    page.set_viewport_size(PHONE)
    return page


def _overflow(page: Any) -> int:
    """How many pixels the page is wider than the screen (0 when it fits)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("persona", ["officer", "secretariat", "expert_user", "leadership"])
def test_the_main_pages_fit_a_phone_without_sideways_scrolling(
    request: pytest.FixtureRequest, page_for: Any, scenario: dict[str, Any], persona: str
) -> None:
    page = _phone_page(page_for, request.getfixturevalue(persona))
    too_wide = {}
    for url in _pages(scenario)[persona]:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        page.wait_for_load_state("networkidle")
        if (extra := _overflow(page)) > 0:
            too_wide[url] = extra
    assert too_wide == {}


def test_the_header_is_compact_and_the_menu_opens_onto_every_link(
    page_for: Any, scenario: dict[str, Any], secretariat: Any
) -> None:
    page = _phone_page(page_for, secretariat)
    page.goto(reverse("dossiers:list"))
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] <= HEADER_MAX_HEIGHT
    links = page.locator(".main-nav a")
    assert links.count() >= 8
    assert not links.first.is_visible()

    # The menu button works from the keyboard, and Tab then walks into the links.
    page.focus(".nav-menu > summary")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.main-nav') !== null")
    for index in range(links.count()):
        link = links.nth(index)
        link.scroll_into_view_if_needed()
        assert link.is_visible(), link.get_attribute("href")
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # The open menu lies over the page: the header keeps its height.
    reopened = page.locator(".site-header").bounding_box()
    assert reopened is not None and reopened["height"] == header["height"]

    page.click(f".main-nav a[href='{reverse('experts:list')}']")
    page.wait_for_url(f"**{reverse('experts:list')}")


def test_the_menu_is_open_on_a_wide_screen_without_a_button(
    page_for: Any, scenario: dict[str, Any], secretariat: Any
) -> None:
    page = page_for(secretariat)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(reverse("dossiers:list"))
    assert page.locator(".main-nav a").first.is_visible()
    assert not page.locator(".nav-menu > summary").is_visible()


def test_the_panel_page_is_paged_to_a_few_screens_on_a_phone(
    page_for: Any, scenario: dict[str, Any], secretariat: Any
) -> None:
    page = _phone_page(page_for, secretariat)
    page.goto(reverse("consultations:panel", args=[scenario["forming"].pk]))
    # 25 candidates a page, each row a few lines high: five screens at most.
    assert page.evaluate("document.documentElement.scrollHeight") <= 5 * PHONE["height"]
    assert page.locator(".pagination").is_visible()
