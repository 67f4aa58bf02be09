"""Declaring a conflict in real Chromium: the form shows the fields of the chosen kind, the
colleague picker finds a name typed without accents, withdrawing asks first, the open form
passes axe, and a phone never scrolls sideways."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.core.tests.test_accessibility import _violations
from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import ConflictDeclarationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_the_expert_declares_a_conflict_with_a_colleague_and_withdraws_it(
    page_for: Any, live_server: Any, expert_user: Any, expert: Expert, other_expert: Expert
) -> None:
    page = page_for(expert_user)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.goto(reverse("experts:me"))
    page.locator(".experts-conflict-add summary").click()

    # An organisation first: the project and person fields stay out of the way.
    assert page.locator("#id_organization-ts-control").is_visible()
    assert not page.locator("#id_name").is_visible() and page.locator("#id_name").is_disabled()
    page.select_option("#id_kind", "person")
    assert page.locator("#id_name").is_visible() and page.locator("#id_name").is_enabled()
    assert page.locator("#id_organization").is_disabled()
    assert page.locator("#id_dossier").is_disabled()
    assert _violations(page) == []

    control = page.locator("#id_other_expert-ts-control")
    control.click()
    control.type("le thi")
    page.locator(".ts-dropdown .option", has_text="KTS. Lê Thị Mai").click()
    page.fill("#id_start_date", "01/06/2018")
    page.fill("#id_reason", "Vợ chồng")
    page.locator("form[data-conflict-form] button[type=submit]").click()
    page.wait_for_url("**/experts/me/#conflicts")

    declaration = expert.conflict_declarations.get()
    assert (declaration.kind, declaration.other_expert_id) == ("person", other_expert.pk)
    assert declaration.organization_id is None and declaration.name == "Lê Thị Mai"
    row = page.locator(f'tr[data-declaration="{declaration.pk}"]')
    assert "KTS. Lê Thị Mai" in row.inner_text() and "01/06/2018" in row.inner_text()

    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.locator(f'tr[data-declaration="{declaration.pk}"] .badge').wait_for()
    assert len(dialogs) == 1
    declaration.refresh_from_db()
    assert declaration.withdrawn_at is not None
    assert errors == []


def test_a_profile_with_declarations_does_not_scroll_sideways_on_a_phone(
    page_for: Any, live_server: Any, secretariat: Any, expert: Expert, orgs: Any
) -> None:
    ConflictDeclarationFactory.create(
        expert=expert,
        organization=orgs.consultant,
        reason="Cố vấn kỹ thuật cho đơn vị tư vấn lập quy hoạch theo hợp đồng dài hạn",
    )
    ConflictDeclarationFactory.create(
        expert=expert, name="Quy hoạch chi tiết tỷ lệ 1/500 khu đô thị mới Tây Nam vành đai 3,5"
    )
    page = page_for(secretariat)
    page.set_viewport_size(PHONE)
    page.goto(reverse("experts:detail", args=[expert.pk]))
    page.locator(".experts-conflict-add summary").click()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
