from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from thamvan.accounts.models import User
from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import AffiliationFactory
from thamvan.experts.tests.test_expert_form_views import formset_data

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

ME = reverse("experts:me")
ME_EDIT = reverse("experts:me_edit")

AsUser = Callable[[User], Client]


def own_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "email": "bao.tran@example.vn",
        "phone": "0900 000 111",
        "keywords": "giao thông, đường sắt",
        "biography": "Tiểu sử mới.",
        "publications": "Sách A\nSách B",
        "lock_version": "0",
    }
    data.update(formset_data("affiliations", []))
    data.update(formset_data("unavailable", []))
    data.update(overrides)
    return data


def test_the_expert_sees_their_own_profile(
    as_user: AsUser, expert_user: User, expert: Expert
) -> None:
    response = as_user(expert_user).get(ME)

    assert response.status_code == 200
    assert response.context["expert"] == expert
    assert "expert@example.vn" in response.content.decode()


@pytest.mark.parametrize("persona", ["officer", "outsider", "secretariat", "leadership"])
def test_people_without_a_profile_get_404(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser, expert: Expert
) -> None:
    client = as_user(request.getfixturevalue(persona))

    assert client.get(ME).status_code == 404
    assert client.get(ME_EDIT).status_code == 404


def test_an_expert_whose_profile_is_not_linked_yet_is_told_so(
    as_user: AsUser, other_expert_user: User
) -> None:
    response = as_user(other_expert_user).get(ME)

    assert response.status_code == 404
    assert response.templates[0].name == "experts/no_profile.html"


def test_the_expert_edits_contacts_texts_affiliations_and_absences(
    as_user: AsUser, expert_user: User, expert: Expert, orgs: Any
) -> None:
    data = own_data(
        **formset_data(
            "affiliations",
            [
                {
                    "organization": orgs.consultant.pk,
                    "position": "Cố vấn",
                    "start_date": "15/03/2021",
                    "end_date": "",
                }
            ],
        ),
        **formset_data(
            "unavailable",
            [{"start_date": "01/09/2026", "end_date": "30/09/2026", "reason": "Đi học"}],
        ),
    )

    response = as_user(expert_user).post(ME_EDIT, data)

    assert response.status_code == 302 and response["Location"] == ME
    expert.refresh_from_db()
    assert (expert.email, expert.phone, expert.keywords) == (
        "bao.tran@example.vn",
        "0900 000 111",
        "giao thông, đường sắt",
    )
    assert expert.publications == "Sách A\nSách B"
    assert expert.affiliations.get().start_date == date(2021, 3, 15)
    assert expert.unavailable_periods.get().reason == "Đi học"


def test_the_expert_cannot_change_rank_membership_or_active_flag(
    as_user: AsUser, expert_user: User, expert: Expert
) -> None:
    data = own_data(
        academic_rank="GS",
        degree="TSKH",
        membership_number="HV-9999",
        is_active="",
        max_concurrent_consultations="20",
        full_name="Tên khác",
    )

    response = as_user(expert_user).post(ME_EDIT, data)

    assert response.status_code == 302
    expert.refresh_from_db()
    assert (expert.academic_rank, expert.degree, expert.membership_number) == (
        "PGS",
        "TS",
        "HV-0001",
    )
    assert expert.is_active
    assert expert.max_concurrent_consultations == 3
    assert expert.full_name == "Trần Quốc Bảo"
    assert expert.keywords == "giao thông, đường sắt"  # the allowed fields did change


def test_the_own_form_offers_no_registry_fields(
    as_user: AsUser, expert_user: User, expert: Expert
) -> None:
    html = as_user(expert_user).get(ME_EDIT).content.decode()

    assert 'name="keywords"' in html
    for field in ("academic_rank", "membership_number", "is_active", "full_name"):
        assert f'name="{field}"' not in html


@pytest.mark.parametrize("delete", [False, True])
def test_an_expert_cannot_reach_another_experts_affiliations(
    delete: bool, as_user: AsUser, expert_user: User, expert: Expert, other_expert: Expert
) -> None:
    theirs = AffiliationFactory.create(expert=other_expert, position="Giám đốc")
    row = {
        "id": theirs.pk,
        "organization": theirs.organization_id,
        "position": "Đã sửa",
        "start_date": "01/01/2015",
        "end_date": "",
    }
    if delete:
        row["DELETE"] = "on"

    as_user(expert_user).post(ME_EDIT, own_data(**formset_data("affiliations", [row], initial=1)))

    theirs.refresh_from_db()
    assert theirs.position == "Giám đốc"
    assert theirs.expert == other_expert
    assert not expert.affiliations.exists()


def test_errors_keep_what_the_expert_typed(
    as_user: AsUser, expert_user: User, expert: Expert
) -> None:
    nfd_bio = unicodedata.normalize("NFD", "Chuyên gia về đường sắt đô thị")
    response = as_user(expert_user).post(
        ME_EDIT,
        own_data(
            email="not-an-email",
            biography=nfd_bio,
            **formset_data(
                "unavailable",
                [{"start_date": "20/09/2026", "end_date": "01/09/2026", "reason": "Họp"}],
            ),
        ),
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert response.context["unavailable"].forms[0].errors["end_date"]
    assert 'value="not-an-email"' in html and 'value="20/09/2026"' in html
    assert unicodedata.normalize("NFC", "Chuyên gia về đường sắt đô thị") in html
    expert.refresh_from_db()
    assert expert.email == "expert@example.vn"


def test_a_taken_email_is_refused(
    as_user: AsUser, expert_user: User, expert: Expert, other_expert: Expert
) -> None:
    response = as_user(expert_user).post(ME_EDIT, own_data(email="expert2@example.vn"))

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
