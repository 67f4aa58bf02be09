"""The pickers in real Chromium: type part of a name, pick it, and the form's select holds it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.experts.tests.factories import ExpertFactory
from thamvan.organizations.models import AdministrativeUnit
from thamvan.research.tests.factories import TopicFactory


def _watch(page: Any, live_server: Any) -> tuple[list[str], list[str]]:
    """Script errors and CSP complaints, and every request that left this site."""
    problems: list[str] = []
    elsewhere: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:"))
            else elsewhere.append(request.url)
        ),
    )
    return problems, elsewhere


def _selected(page: Any, selector: str) -> list[str]:
    values: list[str] = page.eval_on_selector(
        selector, "select => [...select.selectedOptions].map(o => o.value)"
    )
    return values


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_types_part_of_a_ward_name_without_accents_and_picks_it(
    page_for: Any, live_server: Any, officer: Any
) -> None:
    ward = AdministrativeUnit.objects.get(name="Phường Hoàn Kiếm")
    page = page_for(officer)
    problems, elsewhere = _watch(page, live_server)
    page.goto(reverse("dossiers:create"))
    control = page.locator("#id_communes-ts-control")
    control.click()
    control.type("hoan kiem")
    option = page.locator(".ts-dropdown .option", has_text="Phường Hoàn Kiếm")
    option.click()
    assert _selected(page, "#id_communes") == [str(ward.pk)]
    # The chosen ward shows as a chip that can be removed again.
    page.locator(".ts-control .item", has_text="Phường Hoàn Kiếm").wait_for()
    assert problems == []
    assert elsewhere == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_secretariat_finds_an_expert_for_a_research_team_through_the_search(
    page_for: Any, live_server: Any, secretariat: Any
) -> None:
    wanted = ExpertFactory.create(full_name="Đỗ Minh Quy Hoạch")
    ExpertFactory.create_batch(3)
    topic = TopicFactory.create()
    page = page_for(secretariat)
    problems, elsewhere = _watch(page, live_server)
    page.goto(reverse("research:edit", args=[topic.pk]))
    control = page.locator("#id_team-ts-control")
    control.click()
    control.type("quy hoach")
    page.locator(".ts-dropdown .option", has_text="Đỗ Minh Quy Hoạch").click()
    assert _selected(page, "#id_team") == [str(wanted.pk)]
    assert problems == []
    assert elsewhere == []
