from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl.worksheet.worksheet import Worksheet

from thamvan.consultations.models import Consultation
from thamvan.consultations.tests.factories import ConsultationFactory
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.events.models import Workshop
from thamvan.events.tests.factories import WorkshopFactory
from thamvan.programme.models import Task
from thamvan.programme.services import conclusion_assign
from thamvan.programme.tests.factories import ConclusionFactory, ProgrammeFactory, TaskFactory
from thamvan.research.models import ResearchTopic
from thamvan.research.tests.factories import TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(orgs: Any, secretariat: Any) -> dict[str, Any]:
    """Tasks, a directive, workshops and topics spread over organisations, states and years."""
    programme = ProgrammeFactory.create(parties=[orgs.city, orgs.association])
    TaskFactory.create(
        programme=programme, lead_organization=orgs.department, deadline=date(2025, 5, 1)
    )
    TaskFactory.create(
        programme=programme,
        lead_organization=orgs.department,
        status="overdue",
        deadline=date(2025, 9, 1),
    )
    TaskFactory.create(
        programme=programme,
        lead_organization=orgs.ward,
        status="done",
        progress=100,
        deadline=date(2026, 3, 1),
    )
    TaskFactory.create(
        programme=programme,
        lead_organization=orgs.branch,
        status="in_progress",
        progress=50,
        deadline=date(2025, 12, 1),
        cooperating=[orgs.department],
    )
    conclusion = ConclusionFactory.create()
    conclusion_assign(
        actor=secretariat,
        conclusion=conclusion,
        lead_organization=orgs.city,
        deadline=date(2025, 10, 1),
    )
    conclusion_assign(
        actor=secretariat,
        conclusion=conclusion,
        lead_organization=orgs.department,
        deadline=date(2026, 10, 1),
    )
    soon = timezone.now() + timedelta(days=5)
    WorkshopFactory.create(host=orgs.department, starts_at=soon, ends_at=soon + timedelta(hours=2))
    WorkshopFactory.create(host=orgs.association)
    WorkshopFactory.create(
        host=orgs.association,
        status="minutes_published",
        starts_at=timezone.now() - timedelta(days=40),
        ends_at=timezone.now() - timedelta(days=40),
    )
    TopicFactory.create(
        commissioning_organization=orgs.city,
        status="in_progress",
        start_on=date(2025, 1, 1),
        end_on=date(2025, 12, 31),
    )
    TopicFactory.create(commissioning_organization=orgs.department, status="proposed")
    TopicFactory.create(
        commissioning_organization=orgs.association,
        status="accepted",
        start_on=date(2022, 1, 1),
        end_on=date(2023, 12, 31),
    )
    return {"programme": programme, "conclusion": conclusion}


def _count_figures(response: Any) -> list[Any]:
    return [item for group in response.context["groups"] for item in group.figures if item.is_count]


@pytest.mark.parametrize(
    "query",
    [{}, {"start": "2025-01-01", "end": "2025-12-31"}, {"organization": "department"}],
)
def test_every_count_equals_the_rows_of_the_list_it_links_to(
    as_user: Any, leadership: Any, secretariat: Any, officer: Any, orgs: Any, world: Any, query: Any
) -> None:
    if "organization" in query:
        query = {"organization": getattr(orgs, query["organization"]).pk}
    for user in (leadership, secretariat, officer):
        client = as_user(user)
        response = client.get(reverse("dashboard:index"), query)
        figures = _count_figures(response)
        assert len(figures) >= 10
        for item in figures:
            listing = client.get(item.url)
            assert listing.status_code == 200, item.url
            assert listing.context["page_obj"].paginator.count == item.value, (user, item.key)


def test_the_figures_reflect_the_filter(
    as_user: Any, leadership: Any, orgs: Any, world: Any
) -> None:
    client = as_user(leadership)
    everything = {f.key: f.value for f in _count_figures(client.get(reverse("dashboard:index")))}
    assert everything["tasks_total"] == 6
    assert everything["tasks_overdue"] == 1
    assert everything["workshops_upcoming"] == 2
    assert everything["research_in_progress"] == 1
    department = {
        f.key: f.value
        for f in _count_figures(
            client.get(reverse("dashboard:index"), {"organization": orgs.department.pk})
        )
    }
    # Led by the department, or shared with it.
    assert department["tasks_total"] == 4
    assert department["workshops_upcoming"] == 1
    assert department["research_proposed"] == 1
    assert department["research_in_progress"] == 0


def test_an_officer_sees_their_own_organisation_only(
    as_user: Any, officer: Any, orgs: Any, world: Any
) -> None:
    response = as_user(officer).get(reverse("dashboard:index"))
    assert response.context["scope"].organization == orgs.department
    figures = {f.key: f.value for f in _count_figures(response)}
    assert figures["tasks_total"] == 4
    # Another organisation is not a choice for them; the filter falls back to their own.
    other = as_user(officer).get(reverse("dashboard:index"), {"organization": orgs.ward.pk})
    assert other.context["scope"].organization == orgs.department


def test_experts_and_outsiders_have_no_dashboard(
    as_user: Any, expert_user: Any, outsider: Any, leadership: Any
) -> None:
    assert as_user(expert_user).get(reverse("dashboard:index")).status_code == 403
    assert as_user(outsider).get(reverse("dashboard:export")).status_code == 403
    assert as_user(leadership).get(reverse("dashboard:index")).status_code == 200


def test_the_page_draws_bars_beside_text_labels_without_inline_styles(
    as_user: Any, leadership: Any, world: Any
) -> None:
    page = as_user(leadership).get(reverse("dashboard:index")).content.decode()
    # Bars are <meter> elements under each figure's HTML text: no SVG text scaled down.
    assert page.count('<meter min="0" max="100"') >= 3
    assert "<svg" not in page
    assert "style=" not in page


def test_the_export_holds_the_same_figures(as_user: Any, leadership: Any, world: Any) -> None:
    client = as_user(leadership)
    figures = {
        str(f.label): f.value for f in _count_figures(client.get(reverse("dashboard:index")))
    }
    response = client.get(reverse("dashboard:export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    exported = {row[1]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]}
    for label, value in figures.items():
        assert exported[label] == value


def test_a_bad_period_does_not_fail(as_user: Any, leadership: Any) -> None:
    response = as_user(leadership).get(
        reverse("dashboard:index"), {"start": "2026-12-01", "end": "2026-01-01"}
    )
    assert response.status_code == 200
    assert response.context["scope"].start is None


def test_the_query_count_stays_bounded_with_thousands_of_rows(
    as_user: Any,
    leadership: Any,
    officer: Any,
    orgs: Any,
    world: Any,
    django_assert_max_num_queries: Any,
) -> None:
    clients = [as_user(leadership), as_user(officer)]
    bounds = []
    for client in clients:
        with django_assert_max_num_queries(40) as context:
            client.get(reverse("dashboard:index"))
        bounds.append(len(context.captured_queries))

    programme = world["programme"]
    conclusion = world["conclusion"]
    statuses = ["planned", "in_progress", "done", "overdue", "cancelled"]
    leads = [orgs.department, orgs.ward, orgs.branch, orgs.city]
    Task.objects.bulk_create(
        Task(
            programme=programme if i % 3 else None,
            conclusion=conclusion if i % 7 == 0 else None,
            title=f"Nhiệm vụ hàng loạt {i}",
            title_key=f"nhiem vu hang loat {i}",
            lead_organization=leads[i % 4],
            status=statuses[i % 5],
            deadline=date(2021, 1, 1) + timedelta(days=i % 1800),
        )
        for i in range(3000)
    )
    now = timezone.now()
    Workshop.objects.bulk_create(
        Workshop(
            topic=f"Hội thảo {i}",
            host=leads[i % 4],
            venue="Hà Nội",
            starts_at=now + timedelta(days=i % 300 - 100),
            ends_at=now + timedelta(days=i % 300 - 100, hours=2),
        )
        for i in range(1000)
    )
    topic_statuses = ResearchTopic.Status.values
    ResearchTopic.objects.bulk_create(
        ResearchTopic(
            code=f"BULK-{i}",
            title=f"Đề tài {i}",
            commissioning_organization=leads[i % 4],
            status=topic_statuses[i % len(topic_statuses)],
        )
        for i in range(1000)
    )
    template = ConsultationFactory.create(
        dossier=DossierFactory.create(lead_agency=orgs.department), association=orgs.association
    )
    consultation_states = ["sent", "in_review", "reported", "closed"]
    Consultation.objects.bulk_create(
        Consultation(
            dossier_id=template.dossier_id,
            version_id=template.version_id,
            association=orgs.association,
            title=f"Xin ý kiến {i}",
            state=consultation_states[i % 4],
            sent_at=now - timedelta(days=30),
            reported_at=now - timedelta(days=i % 20) if i % 4 >= 2 else None,
            deadline=(now - timedelta(days=10)).date(),
        )
        for i in range(3000)
    )
    for client, bound in zip(clients, bounds, strict=True):
        with django_assert_max_num_queries(bound):
            response = client.get(reverse("dashboard:index"))
        assert response.status_code == 200
    totals = {f.key: f.value for f in _count_figures(clients[0].get(reverse("dashboard:index")))}
    listing = clients[0].get(reverse("programme:task_list"))
    assert totals["tasks_total"] == listing.context["page_obj"].paginator.count > 2000


def test_bar_values_are_plain_numbers_in_the_vietnamese_interface(
    as_user: Any, leadership: Any, world: Any
) -> None:
    import re

    page = as_user(leadership).get(reverse("dashboard:index")).content.decode()
    values = re.findall(r'<meter [^>]*value="([^"]*)"', page)
    assert values
    for value in values:
        float(value)
