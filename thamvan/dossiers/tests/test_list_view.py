from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.dossiers.models import Confidentiality, Dossier
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.organizations.models import AdministrativeUnit

URL = reverse("dossiers:list")


def codes(response: Any) -> set[str]:
    return {dossier.code for dossier in response.context["page_obj"].object_list}


@pytest.fixture
def restricted_of_department(orgs: Any) -> Dossier:
    return DossierFactory.create(
        code="QHCT-RESTRICTED", lead_agency=orgs.department, confidentiality="restricted"
    )


def test_it_sends_anonymous_visitors_to_the_login_page(client: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_an_officer_sees_their_restricted_dossier_and_another_officer_does_not(
    as_user: Any, officer: Any, other_officer: Any, restricted_of_department: Dossier
) -> None:
    assert codes(as_user(officer).get(URL)) == {"QHCT-RESTRICTED"}
    response = as_user(other_officer).get(URL)
    assert response.status_code == 200
    assert codes(response) == set()
    assert "QHCT-RESTRICTED" not in response.text


def test_an_expert_sees_public_dossiers_but_not_internal_ones(
    as_user: Any, orgs: Any, expert_user: Any
) -> None:
    DossierFactory.create(code="PUBLIC-1", lead_agency=orgs.department, confidentiality="public")
    DossierFactory.create(
        code="INTERNAL-1", lead_agency=orgs.department, confidentiality="internal"
    )
    assert codes(as_user(expert_user).get(URL)) == {"PUBLIC-1"}


def test_the_text_filter_finds_accented_names_from_an_unaccented_query(
    as_user: Any, orgs: Any, secretariat: Any
) -> None:
    DossierFactory.create(
        code="QHPK-DD-2026",
        name="Quy hoạch phân khu quận Đống Đa",
        lead_agency=orgs.department,
        confidentiality="public",
    )
    DossierFactory.create(
        code="QHPK-HK-2026", name="Quy hoạch phân khu Hoàn Kiếm", confidentiality="public"
    )
    assert codes(as_user(secretariat).get(URL, {"q": "dong da"})) == {"QHPK-DD-2026"}
    assert codes(as_user(secretariat).get(URL, {"q": "ĐỐNG ĐA phân khu"})) == {"QHPK-DD-2026"}
    assert codes(as_user(secretariat).get(URL, {"q": "qhpk-hk"})) == {"QHPK-HK-2026"}


def test_the_filters_narrow_by_kind_stage_commune_agency_and_confidentiality(
    as_user: Any, orgs: Any, admin_user: Any
) -> None:
    commune = AdministrativeUnit.objects.filter(level="commune").first()
    assert commune is not None
    target = DossierFactory.create(
        code="TARGET",
        kind=Dossier.Kind.DETAILED_PLAN,
        stage=Dossier.Stage.APPRAISAL,
        lead_agency=orgs.ward,
        confidentiality="restricted",
        communes=[commune],
    )
    DossierFactory.create(code="OTHER", lead_agency=orgs.department, confidentiality="public")
    client = as_user(admin_user)
    for params in (
        {"kind": Dossier.Kind.DETAILED_PLAN},
        {"stage": Dossier.Stage.APPRAISAL},
        {"commune": commune.pk},
        {"lead_agency": orgs.ward.pk},
        {"confidentiality": Confidentiality.RESTRICTED},
    ):
        assert codes(client.get(URL, params)) == {target.code}, params


def test_an_invalid_filter_value_is_ignored_rather_than_failing(
    as_user: Any, orgs: Any, secretariat: Any
) -> None:
    DossierFactory.create(code="PUBLIC-1", lead_agency=orgs.department, confidentiality="public")
    response = as_user(secretariat).get(URL, {"commune": "not-a-number", "kind": "nonsense"})
    assert response.status_code == 200
    assert codes(response) == {"PUBLIC-1"}


def test_an_htmx_request_gets_only_the_results_fragment(
    as_user: Any, orgs: Any, secretariat: Any
) -> None:
    DossierFactory.create(code="PUBLIC-1", lead_agency=orgs.department, confidentiality="public")
    response = as_user(secretariat).get(URL, {"q": "public"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="results"' in response.text
    assert "PUBLIC-1" in response.text
    assert "<html" not in response.text


def test_it_paginates_by_twenty_five(as_user: Any, orgs: Any, secretariat: Any) -> None:
    DossierFactory.create_batch(27, lead_agency=orgs.department, confidentiality="public")
    client = as_user(secretariat)
    assert len(client.get(URL).context["page_obj"].object_list) == 25
    assert len(client.get(URL, {"page": 2}).context["page_obj"].object_list) == 2


def test_it_shows_an_empty_state_when_nothing_matches(as_user: Any, secretariat: Any) -> None:
    response = as_user(secretariat).get(URL, {"q": "không có hồ sơ nào"})
    assert response.status_code == 200
    assert 'class="empty"' in response.text


def test_the_new_dossier_button_shows_for_officers_only(
    as_user: Any, officer: Any, leadership: Any
) -> None:
    create_url = reverse("dossiers:create")
    assert create_url in as_user(officer).get(URL).text
    assert create_url not in as_user(leadership).get(URL).text


def test_the_query_count_does_not_grow_with_the_number_of_dossiers(
    as_user: Any,
    orgs: Any,
    officer: Any,
    django_assert_max_num_queries: Any,
) -> None:
    communes = list(AdministrativeUnit.objects.filter(level="commune")[:3])
    client = as_user(officer)
    DossierFactory.create_batch(3, lead_agency=orgs.department, communes=communes)
    client.get(URL)  # warm the session and the content types
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    DossierFactory.create_batch(30, lead_agency=orgs.ward, communes=communes)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["page_obj"].object_list) == 25
