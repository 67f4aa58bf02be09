"""The whole loop in real Chromium: request, panel, two opinions (one with a map pin),
synthesis, report, responses, closed."""

from __future__ import annotations

from typing import Any

import pytest

from thamvan.consultations.models import Consultation, Opinion, State
from thamvan.documents.models import GeneratedDocument
from thamvan.dossiers.tests.factories import DossierFactory, DossierVersionFactory
from thamvan.experts.tests.factories import ExpertFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_consultation_runs_end_to_end_in_the_browser(
    page_for: Any,
    orgs: Any,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
) -> None:
    dossier = DossierFactory.create(
        lead_agency=orgs.department, name="Quy hoạch phân khu đô thị N9"
    )
    version = DossierVersionFactory.create(dossier=dossier)
    ExpertFactory.create(
        user=expert_user,
        full_name="Trần Quốc Bảo",
        academic_rank="PGS",
        degree="TS",
        specialties=["giao-thong"],
        keywords="giao thông, quy hoạch phân khu",
    )
    ExpertFactory.create(
        user=other_expert_user,
        full_name="Lê Thị Mai",
        degree="KTS",
        specialties=["kien-truc"],
        keywords="kiến trúc đô thị",
    )

    # The agency drafts the request and sends it.
    agency = page_for(officer)
    agency.goto(f"/consultations/new/{dossier.pk}/")
    agency.select_option("#id_version", str(version.pk))
    agency.select_option("#id_association", str(orgs.association.pk))
    agency.fill("#id_panel_size", "2")
    agency.fill(
        "#id_questions_text", "Ý kiến về tổ chức giao thông?\nÝ kiến về không gian kiến trúc?"
    )
    agency.click("button[type=submit].primary")
    agency.wait_for_selector("[data-state=draft]")
    consultation = Consultation.objects.get()
    agency.click("[data-action=send]")
    agency.wait_for_selector("[data-state=sent]")

    # The secretariat accepts and invites the suggested panel.
    office = page_for(secretariat)
    office.goto(consultation.get_absolute_url())
    office.click("[data-action=accept]")
    office.wait_for_selector("[data-state=accepted]")
    office.goto(f"/consultations/{consultation.pk}/panel/")
    assert office.locator("tr.suggested input[type=checkbox]:checked").count() == 2
    office.click("#send-invitations")
    office.wait_for_selector(".message-success")

    # Both experts accept with an independence declaration.
    pages = {}
    for user in (expert_user, other_expert_user):
        page = page_for(user)
        page.goto(consultation.get_absolute_url())
        page.click("a[href*='/invitations/']")
        page.check("#id_declared")
        page.fill("#id_statement", "Không có quan hệ với các bên.")
        page.click("button[name=answer][value=accept]")
        page.wait_for_selector("[data-state=panel_forming]")
        pages[user.pk] = page

    office.goto(f"/consultations/{consultation.pk}/panel/")
    office.click(f"[data-chair='{expert_user.expert_profile.pk}']")
    office.goto(consultation.get_absolute_url())
    office.click("[data-action=start_review]")
    office.wait_for_selector("[data-state=in_review]")

    # The first expert adds a remark pinned on the map, then submits.
    chair = pages[expert_user.pk]
    chair.goto(f"/consultations/{consultation.pk}/opinion/")
    chair.wait_for_selector(".leaflet-draw-draw-marker")
    chair.fill("#item-form textarea[name=content]", "Nút giao cần mở rộng, bổ sung bãi đỗ xe.")
    chair.fill("#item-form input[name=section]", "Bản vẽ QH-04")
    chair.click(".leaflet-draw-draw-marker")
    box = chair.locator("#opinion-map").bounding_box()
    assert box is not None
    chair.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    chair.wait_for_function("document.getElementById('id_geometry').value.includes('Point')")
    chair.click("#add-item")
    chair.wait_for_selector("text=Bản vẽ QH-04")
    chair.select_option("#id_verdict", "conditions")
    chair.fill("#id_summary", "Cơ bản nhất trí, cần bổ sung giao thông tĩnh.")
    chair.wait_for_selector("#save-status p.muted")
    chair.click("#submit-opinion")
    chair.wait_for_selector("[data-state=in_review]")

    # The second expert submits without remarks.
    second = pages[other_expert_user.pk]
    second.goto(f"/consultations/{consultation.pk}/opinion/")
    second.select_option("#id_verdict", "agree")
    second.wait_for_selector("#save-status p.muted")
    second.click("#submit-opinion")
    second.wait_for_selector("[data-state=in_review]")
    assert Opinion.objects.filter(state="submitted").count() == 2
    pinned = Opinion.objects.get(expert__user=expert_user).items.get()
    assert pinned.geometry_type == "Point"

    # The chair synthesises; the secretariat issues the report.
    chair.goto(consultation.get_absolute_url())
    chair.click("[data-action=start_synthesis]")
    chair.wait_for_selector("[data-state=synthesizing]")
    chair.goto(f"/consultations/{consultation.pk}/synthesis/")
    chair.fill("#id_conclusions", "Hồ sơ cơ bản đáp ứng yêu cầu.")
    chair.fill("#id_recommendations", "Bổ sung quy hoạch giao thông tĩnh.")
    chair.click("#save-synthesis")
    chair.wait_for_selector(".message-success")
    office.goto(f"/consultations/{consultation.pk}/synthesis/")
    office.fill("#id_report_number", "15")
    office.click("#issue-report")
    office.wait_for_selector("[data-state=reported]")
    office.wait_for_selector("a[data-kind=report]")
    assert GeneratedDocument.objects.filter(consultation=consultation, status="ready").count() == 3

    # The agency answers every remark on one page, then confirms the close.
    agency.goto(f"/consultations/{consultation.pk}/responses/")
    rows = agency.locator("tr.response-row")
    for index in range(rows.count()):
        row = agency.locator("tr.response-row").nth(index)
        row.locator("textarea").fill("Tiếp thu, bổ sung hai bãi đỗ xe ngầm.")
        row.locator("select").select_option("partly_accepted")
        agency.wait_for_selector(f"tr.response-row:nth-child({index + 1})[data-answered=true]")
    agency.wait_for_selector("[data-unanswered='0']")
    agency.click("#close-form button[data-action=close]")
    agency.wait_for_selector("[data-state=closed]")
    consultation.refresh_from_db()
    assert consultation.state == State.CLOSED
