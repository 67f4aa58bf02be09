"""The panel page lists its candidates 25 to a page, filtered by name, specialty,
organisation and title in the URL; ticks and reasons are sent from the page shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from lxml import html

from thamvan.accounts.models import Role
from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.consultations.models import Invitation
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import AffiliationFactory, ExpertFactory, specialty
from thamvan.organizations.models import Organization
from thamvan.organizations.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

CANDIDATES = 40


@pytest.fixture
def consultation(orgs: Any, officer: Any, secretariat: Any) -> Any:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    consultation = ConsultationFactory.create(
        dossier=dossier, association=orgs.association, panel_size=3
    )
    return advance(consultation, "accepted", officer=officer, secretariat=secretariat)


@pytest.fixture
def registry() -> dict[str, Any]:
    """Forty candidates, one of each kind the filters look for among them."""
    for _ in range(CANDIDATES - 3):
        ExpertFactory.create(specialties=["giao-thong"])
    institute = OrganizationFactory.create(name="Viện Kiến trúc Quốc gia")
    at_institute = ExpertFactory.create(full_name="Đỗ Minh Khôi", specialties=["giao-thong"])
    AffiliationFactory.create(expert=at_institute, organization=institute)
    return {
        "institute": institute,
        "at_institute": at_institute,
        "architect": ExpertFactory.create(
            full_name="Vũ Thị Lan", degree="KTS", specialties=["kien-truc"]
        ),
        "professor": ExpertFactory.create(
            full_name="Ngô Đức Tâm", academic_rank="GS", specialties=["giao-thong"]
        ),
    }


def _candidates(response: Any) -> list[str]:
    """The expert ids of the page's candidate rows, ranked then excluded."""
    tree = html.fromstring(response.content.decode())
    ranked = tree.xpath("//table[contains(@class, 'panel-recommendation')]//tbody/tr")
    excluded = tree.xpath("//table[contains(@class, 'panel-excluded')]//tbody/tr")
    return [
        *(row.xpath(".//input[@type='checkbox']/@value")[0] for row in ranked),
        *(row.get("data-excluded") for row in excluded),
    ]


def _url(consultation: Any) -> str:
    return reverse("consultations:panel", args=[consultation.pk])


def test_candidates_come_25_to_a_page_and_the_page_says_ticks_are_sent_per_page(
    consultation: Any, registry: Any, as_user: Any, secretariat: Any
) -> None:
    client = as_user(secretariat)
    first = client.get(_url(consultation))
    second = client.get(_url(consultation), {"page": "2"})
    assert len(_candidates(first)) == 25
    assert len(_candidates(second)) == CANDIDATES - 25
    assert not set(_candidates(first)) & set(_candidates(second))
    for response in (first, second):
        assert b'id="per-page-note"' in response.content
    # The suggested panel is ticked on the first page, as before paging.
    assert html.fromstring(first.content.decode()).xpath(
        "count(//tr[@class='suggested']//input[@checked])"
    ) == float(consultation.panel_size)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (lambda registry: {"q": "minh khoi"}, "at_institute"),
        (lambda registry: {"organization": str(registry["institute"].pk)}, "at_institute"),
        (lambda registry: {"specialty": str(specialty("kien-truc").pk)}, "architect"),
        (lambda registry: {"degree": "KTS"}, "architect"),
        (lambda registry: {"rank": "GS"}, "professor"),
    ],
)
def test_each_filter_narrows_the_candidates_and_the_pager_keeps_it(
    consultation: Any,
    registry: Any,
    as_user: Any,
    secretariat: Any,
    filters: Callable[[dict[str, Any]], dict[str, str]],
    expected: str,
) -> None:
    values = filters(registry)
    response = as_user(secretariat).get(_url(consultation), values)
    assert response.status_code == 200
    assert _candidates(response) == [str(registry[expected].pk)]
    # The filter form shows what was asked, so the URL can be shared or reloaded.
    form = html.fromstring(response.content.decode()).xpath("//form[@class='filters']")[0]
    for key, value in values.items():
        field = form.xpath(f".//*[@name='{key}']")[0]
        shown = field.value if field.tag != "select" else field.xpath("./option[@selected]/@value")
        assert value in shown


def test_the_pager_links_keep_the_filters(
    consultation: Any, registry: Any, as_user: Any, secretariat: Any
) -> None:
    traffic = specialty("giao-thong").pk
    response = as_user(secretariat).get(_url(consultation), {"specialty": traffic})
    tree = html.fromstring(response.content.decode())
    assert tree.xpath("//nav[@class='pagination']//a/@href") == [f"?specialty={traffic}&page=2"]


def test_a_filter_that_matches_nobody_says_so(
    consultation: Any, registry: Any, as_user: Any, secretariat: Any
) -> None:
    response = as_user(secretariat).get(_url(consultation), {"q": "không ai tên này"})
    assert _candidates(response) == []
    with translation.override("vi"):
        assert gettext("No expert matches these filters.") in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [{"page": "abc"}, {"page": "999"}, {"specialty": "abc"}, {"organization": "99999999999"}],
)
def test_malformed_filters_and_pages_show_a_page_not_an_error(
    consultation: Any, registry: Any, as_user: Any, secretariat: Any, query: dict[str, str]
) -> None:
    response = as_user(secretariat).get(_url(consultation), query)
    assert response.status_code == 200
    assert _candidates(response)


def test_an_htmx_filter_swaps_only_the_candidate_list(
    consultation: Any, registry: Any, as_user: Any, secretariat: Any
) -> None:
    response = as_user(secretariat).get(
        _url(consultation), {"degree": "KTS"}, HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="candidates">')
    assert "<header" not in text
    assert _candidates(response) == [str(registry["architect"].pk)]


def test_experts_ticked_on_a_filtered_page_are_invited_with_their_reason(
    consultation: Any, registry: Any, as_user: Any, secretariat: Any
) -> None:
    architect = registry["architect"]
    response = as_user(secretariat).post(
        f"{_url(consultation)}?degree=KTS",
        {"expert": [architect.pk], f"override_{architect.pk}": "Cần một kiến trúc sư."},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(consultation=consultation)
    assert invitation.expert == architect
    assert invitation.override_reason == "Cần một kiến trúc sư."


def test_a_refused_choice_is_shown_again_on_the_same_filtered_page_still_ticked(
    consultation: Any, registry: Any, as_user: Any, secretariat: Any
) -> None:
    architect = registry["architect"]
    response = as_user(secretariat).post(
        f"{_url(consultation)}?degree=KTS", {"expert": [architect.pk]}
    )
    assert response.status_code == 200
    tree = html.fromstring(response.content.decode())
    assert tree.xpath("//div[@role='alert']//li")
    assert tree.xpath(f"//input[@id='pick-{architect.pk}']/@checked")
    assert _candidates(response) == [str(architect.pk)]
    assert not Invitation.objects.filter(consultation=consultation).exists()


@pytest.fixture
def other_secretariat(db: None) -> Any:
    """The secretariat of another association, which this request was not sent to."""
    other = OrganizationFactory.create(
        name="Hội Kiến trúc sư Việt Nam", kind=Organization.Kind.ASSOCIATION
    )
    return MembershipFactory.create(
        organization=other,
        role=Role.SECRETARIAT,
        user=UserFactory.create(email="other-secretariat@example.vn"),
    ).user


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("secretariat", 200),
        ("officer", 403),
        ("expert_user", 404),
        ("other_secretariat", 404),
        ("outsider", 404),
    ],
)
def test_only_the_secretariat_opens_the_filtered_panel_page(
    request: pytest.FixtureRequest,
    consultation: Any,
    registry: Any,
    as_user: Any,
    persona: str,
    status: int,
) -> None:
    client = as_user(request.getfixturevalue(persona))
    for query in (
        {"q": "minh khoi", "page": "1"},
        {"sort": "on_time", "has_email": "yes", "open_panels": "1"},
    ):
        response = client.get(_url(consultation), query)
        assert response.status_code == status
        if status != 200:
            assert b"Minh Kh" not in response.content
            assert b"data-history" not in response.content
        else:
            assert b"data-history" in response.content
    # Nor may they invite anyone.
    response = client.post(_url(consultation), {"expert": [registry["architect"].pk]})
    assert response.status_code == (200 if status == 200 else status)
    if status != 200:
        assert not Invitation.objects.filter(consultation=consultation).exists()
