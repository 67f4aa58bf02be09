"""The synthesis map in real Chromium: every pinned remark drawn, each popup linking to
the remark's row, and the row's link focusing its pin."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.consultations.tests.conftest import World
from thamvan.consultations.tests.test_maps import AREA, LINE, POINT, _draft, _submit


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_synthesis_map_shows_every_pin_with_a_popup_linking_to_its_remark(
    page_for: Any,
    world: World,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    chair = _draft(expert_user, consultation, ("Nút giao cần mở rộng.", POINT))
    _submit(expert_user, chair)
    member = _draft(
        other_expert_user,
        consultation,
        ("Tuyến đường ven hồ quá hẹp.", LINE),
        ("Khu cây xanh cần giữ lại.", AREA),
    )
    _submit(other_expert_user, member)
    synthesis_services.consultation_start_synthesis(actor=secretariat, consultation=consultation)
    point = chair.items.get()
    line, area = member.items.order_by("order")

    page = page_for(expert_user)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(reverse("consultations:synthesis", args=[consultation.pk]))
    # The point as a marker, the line and the area as paths, over the boundary.
    marker = page.locator(f"#pins-map .leaflet-marker-icon[data-pin='{point.pk}']")
    marker.wait_for()
    for item in (line, area):
        page.locator(f"#pins-map path[data-pin='{item.pk}']").wait_for()
    assert page.locator("#pins-map path.leaflet-interactive").count() == 2

    marker.click()
    popup = page.locator("#pins-map .leaflet-popup-content")
    popup.wait_for()
    assert "Nút giao cần mở rộng." in popup.inner_text()
    link = popup.locator(f"a[data-pin-item='{point.pk}']")
    assert link.get_attribute("href") == f"#item-{point.pk}"
    link.click()
    page.wait_for_function(f"window.location.hash === '#item-{point.pk}'")
    assert page.locator(f"tr#item-{point.pk}").is_visible()

    # The row's "show on the map" link opens the pin's popup.
    page.click(f"a[data-pin-link='{area.pk}']")
    page.wait_for_function(f"window.location.hash === '#pin-{area.pk}'")
    page.locator("#pins-map .leaflet-popup-content", has_text="Khu cây xanh").wait_for()
    assert errors == []
