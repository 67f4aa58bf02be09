from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from thamvan.accounts.models import User
from thamvan.experts.models import Expert, Specialty
from thamvan.experts.tests.factories import AffiliationFactory, ExpertFactory

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

CREATE = reverse("experts:create")

AsUser = Callable[[User], Client]


def formset_data(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        if row.get("id"):
            # Existing rows carry the version they were read at (fresh rows are at 0).
            row = {"lock_version": "0", **row}
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def expert_data(**overrides: Any) -> dict[str, Any]:
    traffic = Specialty.objects.get(slug="giao-thong")
    data: dict[str, Any] = {
        "full_name": "Đinh Thị Thu Hà",
        "academic_rank": "PGS",
        "degree": "TS",
        "membership_number": "HV-1234",
        "email": "ha.dinh@example.vn",
        "phone": "0987 654 321",
        "max_concurrent_consultations": "4",
        "keywords": "giao thông công cộng, BRT",
        "biography": "Giảng viên Đại học Xây dựng.",
        "publications": "Bài 1\nBài 2",
        "is_active": "on",
        "specialties": [str(traffic.pk)],
        "primary_specialty": str(traffic.pk),
        "account_email": "",
        "lock_version": "0",
    }
    data.update(formset_data("affiliations", []))
    data.update(formset_data("unavailable", []))
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["secretariat", "admin_user"])
def test_registry_managers_open_the_create_form(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser
) -> None:
    assert as_user(request.getfixturevalue(persona)).get(CREATE).status_code == 200


@pytest.mark.parametrize("persona", ["leadership", "expert_user", "officer", "outsider"])
def test_other_roles_may_not_create_experts(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser
) -> None:
    client = as_user(request.getfixturevalue(persona))

    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, expert_data()).status_code == 403
    assert not Expert.objects.filter(membership_number="HV-1234").exists()


def test_the_secretariat_creates_an_expert_with_affiliations_and_absences(
    as_user: AsUser, secretariat: User, orgs: Any
) -> None:
    data = expert_data(
        **formset_data(
            "affiliations",
            [
                {
                    "organization": orgs.consultant.pk,
                    "position": "Trưởng phòng",
                    "start_date": "01/07/2019",
                    "end_date": "",
                }
            ],
        ),
        **formset_data(
            "unavailable",
            [{"start_date": "10/08/2026", "end_date": "20/08/2026", "reason": "Nghỉ phép"}],
        ),
    )

    response = as_user(secretariat).post(CREATE, data)

    expert = Expert.objects.get(membership_number="HV-1234")
    assert response.status_code == 302
    assert response["Location"] == expert.get_absolute_url()
    assert expert.titled_name == "PGS.TS. Đinh Thị Thu Hà"
    assert expert.max_concurrent_consultations == 4
    assert expert.primary_specialty == Specialty.objects.get(slug="giao-thong")
    affiliation = expert.affiliations.get()
    assert (affiliation.organization, affiliation.start_date, affiliation.end_date) == (
        orgs.consultant,
        date(2019, 7, 1),
        None,
    )
    period = expert.unavailable_periods.get()
    assert (period.start_date, period.end_date) == (date(2026, 8, 10), date(2026, 8, 20))


def test_decomposed_input_is_stored_composed(as_user: AsUser, secretariat: User) -> None:
    nfd_name = unicodedata.normalize("NFD", "Phùng Thị Thuỷ")
    nfd_keywords = unicodedata.normalize("NFD", "cấp thoát nước")

    as_user(secretariat).post(CREATE, expert_data(full_name=nfd_name, keywords=nfd_keywords))

    expert = Expert.objects.get(membership_number="HV-1234")
    assert expert.full_name == unicodedata.normalize("NFC", "Phùng Thị Thuỷ")
    assert expert.keywords == unicodedata.normalize("NFC", "cấp thoát nước")
    assert unicodedata.is_normalized("NFC", expert.full_name)


def test_errors_keep_what_was_typed(as_user: AsUser, secretariat: User, orgs: Any) -> None:
    data = expert_data(
        max_concurrent_consultations="25",
        **formset_data(
            "affiliations",
            [
                {
                    "organization": orgs.consultant.pk,
                    "position": "Chuyên gia tư vấn",
                    "start_date": "01/07/2020",
                    "end_date": "01/07/2019",
                }
            ],
        ),
        **formset_data(
            "unavailable", [{"start_date": "31/02/2026", "end_date": "", "reason": "Hội thảo"}]
        ),
    )

    response = as_user(secretariat).post(CREATE, data)
    html = response.content.decode()

    assert response.status_code == 200
    assert not Expert.objects.filter(membership_number="HV-1234").exists()
    assert 'value="Đinh Thị Thu Hà"' in html
    assert 'value="giao thông công cộng, BRT"' in html
    assert 'value="Chuyên gia tư vấn"' in html
    assert 'value="31/02/2026"' in html and 'value="Hội thảo"' in html
    assert 'value="25"' in html
    assert response.context["form"].errors["max_concurrent_consultations"]
    assert response.context["affiliations"].forms[0].errors["end_date"]
    assert response.context["unavailable"].forms[0].errors["start_date"]


def test_a_taken_membership_number_is_refused_with_a_message(
    as_user: AsUser, secretariat: User, invited_expert: Expert
) -> None:
    ExpertFactory.create(membership_number="HV-1234")

    response = as_user(secretariat).post(CREATE, expert_data())

    assert response.status_code == 200
    assert response.context["form"].errors["membership_number"]


def test_several_specialties_need_a_primary_one(as_user: AsUser, secretariat: User) -> None:
    ids = [str(s.pk) for s in Specialty.objects.filter(slug__in=["giao-thong", "kien-truc"])]

    response = as_user(secretariat).post(CREATE, expert_data(specialties=ids, primary_specialty=""))

    assert response.status_code == 200
    assert response.context["form"].errors["primary_specialty"]


def test_the_primary_specialty_is_added_to_the_chosen_ones(
    as_user: AsUser, secretariat: User
) -> None:
    traffic = Specialty.objects.get(slug="giao-thong")
    heritage = Specialty.objects.get(slug="bao-ton-di-san")

    as_user(secretariat).post(
        CREATE, expert_data(specialties=[str(traffic.pk)], primary_specialty=str(heritage.pk))
    )

    expert = Expert.objects.get(membership_number="HV-1234")
    assert [s.slug for s in expert.ordered_specialties] == ["bao-ton-di-san", "giao-thong"]


def test_an_account_is_linked_by_its_email(
    as_user: AsUser,
    secretariat: User,
    other_expert_user: User,
    outsider: User,
    expert: Expert,
) -> None:
    client = as_user(secretariat)

    unknown = client.post(CREATE, expert_data(account_email="nobody@example.vn"))
    taken = client.post(CREATE, expert_data(account_email="expert@example.vn"))
    linked = client.post(CREATE, expert_data(account_email="OUTSIDER@example.vn"))

    assert unknown.context["form"].errors["account_email"]
    assert taken.context["form"].errors["account_email"]
    assert linked.status_code == 302
    assert Expert.objects.get(membership_number="HV-1234").user == outsider


class TestEdit:
    def url(self, expert: Expert) -> str:
        return reverse("experts:edit", args=[expert.pk])

    @pytest.mark.parametrize("persona", ["secretariat", "admin_user"])
    def test_registry_managers_edit_every_field(
        self, persona: str, request: pytest.FixtureRequest, as_user: AsUser, expert: Expert
    ) -> None:
        affiliation = AffiliationFactory.create(expert=expert, start_date=date(2010, 1, 1))
        data = expert_data(
            full_name="Trần Quốc Bảo",
            membership_number="HV-0001",
            academic_rank="GS",
            is_active="",
            **formset_data(
                "affiliations",
                [
                    {
                        "id": affiliation.pk,
                        "organization": affiliation.organization_id,
                        "position": "Cố vấn",
                        "start_date": "01/01/2010",
                        "end_date": "31/12/2024",
                    }
                ],
                initial=1,
            ),
        )

        response = as_user(request.getfixturevalue(persona)).post(self.url(expert), data)

        assert response.status_code == 302
        expert.refresh_from_db()
        affiliation.refresh_from_db()
        assert expert.academic_rank == "GS" and not expert.is_active
        assert (affiliation.position, affiliation.end_date) == ("Cố vấn", date(2024, 12, 31))

    def test_the_edit_form_shows_dates_as_dd_mm_yyyy(
        self, as_user: AsUser, secretariat: User, expert: Expert
    ) -> None:
        AffiliationFactory.create(expert=expert, start_date=date(2019, 7, 1))

        html = as_user(secretariat).get(self.url(expert)).content.decode()

        assert 'value="01/07/2019"' in html

    def test_leadership_gets_404(self, as_user: AsUser, leadership: User, expert: Expert) -> None:
        assert as_user(leadership).get(self.url(expert)).status_code == 404

    @pytest.mark.parametrize("persona", ["other_expert_user", "officer", "outsider"])
    def test_others_get_404(
        self, persona: str, request: pytest.FixtureRequest, as_user: AsUser, expert: Expert
    ) -> None:
        client = as_user(request.getfixturevalue(persona))

        assert client.get(self.url(expert)).status_code == 404
        assert client.post(self.url(expert), expert_data(academic_rank="GS")).status_code == 404
        expert.refresh_from_db()
        assert expert.academic_rank == "PGS"

    def test_the_expert_is_sent_to_their_own_profile_form(
        self, as_user: AsUser, expert_user: User, expert: Expert
    ) -> None:
        client = as_user(expert_user)

        response = client.post(self.url(expert), expert_data(academic_rank="GS", is_active=""))

        assert response.status_code == 302
        assert response["Location"] == reverse("experts:me_edit")
        expert.refresh_from_db()
        assert expert.academic_rank == "PGS" and expert.is_active
