import pytest
from django.urls import reverse

from thamvan.accounts.tests.factories import MembershipFactory
from thamvan.organizations.models import AdministrativeUnit, Organization
from thamvan.organizations.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_reference_data_has_34_provinces_and_hanois_126_communes():
    assert AdministrativeUnit.objects.filter(level="province").count() == 34
    hanoi = AdministrativeUnit.objects.get(level="province", code="1")
    communes = AdministrativeUnit.objects.filter(level="commune", parent=hanoi)
    assert communes.count() == 126
    assert communes.filter(division_type="phường").count() == 51
    assert communes.filter(division_type="xã").count() == 75


@pytest.mark.parametrize("persona", ["officer", "expert_user", "leadership", "outsider"])
def test_every_signed_in_user_reads_organisations(request, as_user, orgs, persona):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(reverse("organizations:list")).status_code == 200
    detail = client.get(reverse("organizations:detail", args=[orgs.department.pk]))
    assert detail.status_code == 200
    assert "Sở Quy hoạch - Kiến trúc Hà Nội" in detail.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, orgs):
    response = client.get(reverse("organizations:detail", args=[orgs.city.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("persona", ["secretariat", "admin_user"])
def test_the_secretariat_and_admin_create_organisations(request, as_user, orgs, persona):
    client = as_user(request.getfixturevalue(persona))
    response = client.post(
        reverse("organizations:create"),
        {
            "name": "Công ty CP Tư vấn Kiến trúc Đô thị",
            "kind": "consulting_firm",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Organization.objects.filter(name="Công ty CP Tư vấn Kiến trúc Đô thị").exists()


@pytest.mark.parametrize("persona", ["officer", "expert_user", "leadership", "outsider"])
def test_other_roles_cannot_create_or_edit_organisations(request, as_user, orgs, persona):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(reverse("organizations:create")).status_code == 403
    response = client.post(
        reverse("organizations:edit", args=[orgs.department.pk]),
        {"name": "Đổi tên", "kind": "other"},
    )
    assert response.status_code == 404
    orgs.department.refresh_from_db()
    assert orgs.department.name == "Sở Quy hoạch - Kiến trúc Hà Nội"


def test_an_invalid_form_keeps_what_was_typed(as_user, secretariat):
    response = as_user(secretariat).post(
        reverse("organizations:create"), {"name": "Viện Kiến trúc Quốc gia", "kind": "no-such-kind"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="Viện Kiến trúc Quốc gia"' in body
    assert "Hãy chọn một lựa chọn hợp lệ" in body


def test_an_organisation_cannot_be_placed_below_its_own_descendant(as_user, secretariat, orgs):
    response = as_user(secretariat).post(
        reverse("organizations:edit", args=[orgs.city.pk]),
        {"name": orgs.city.name, "kind": "city_committee", "parent": orgs.department.pk},
    )
    assert response.status_code == 200
    orgs.city.refresh_from_db()
    assert orgs.city.parent is None


def test_search_finds_organisations_typed_without_accents(as_user, officer, orgs):
    response = as_user(officer).get(reverse("organizations:list"), {"q": "quy hoach kien truc"})
    body = response.content.decode()
    assert "Sở Quy hoạch - Kiến trúc Hà Nội" in body
    assert "Hội Quy hoạch phát triển đô thị Việt Nam" not in body


def test_the_list_query_count_does_not_grow_with_rows(
    as_user, officer, django_assert_max_num_queries
):
    client = as_user(officer)
    OrganizationFactory.create_batch(3)
    with django_assert_max_num_queries(8):
        client.get(reverse("organizations:list"))
    OrganizationFactory.create_batch(40)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("organizations:list"))
    assert len(response.context["page_obj"].object_list) == 25


def test_htmx_requests_get_only_the_results(as_user, officer, orgs):
    response = as_user(officer).get(reverse("organizations:list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="results"' in body
    assert "<html" not in body


def test_the_list_shows_organisations_by_name_with_their_member_counts(as_user, officer):
    beta = OrganizationFactory.create(name="Ban thử nghiệm Bê")
    alpha = OrganizationFactory.create(name="Ban thử nghiệm An")
    gamma = OrganizationFactory.create(name="Ban thử nghiệm Ca")
    MembershipFactory.create_batch(2, organization=beta)
    MembershipFactory.create(organization=gamma)
    response = as_user(officer).get(reverse("organizations:list"), {"q": "ban thu nghiem"})
    rows = [(o.pk, o.member_count) for o in response.context["page_obj"].object_list]
    assert rows == [(alpha.pk, 0), (beta.pk, 2), (gamma.pk, 1)]
