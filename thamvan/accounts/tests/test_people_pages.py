"""The people pages: list and filters, the create form, the person page and its actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from thamvan.accounts import services
from thamvan.accounts.models import AccountInvitation, Membership, Role, User
from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db

URL = reverse("people:list")


def names(response: Any) -> list[str]:
    return [person.full_name for person in response.context["page_obj"]]


def _member(org: Any, name: str, email: str, role: str = Role.EXPERT) -> User:
    user = UserFactory.create(full_name=name, email=email)
    MembershipFactory.create(user=user, organization=org, role=role)
    return user


# The list ------------------------------------------------------------------------


def test_a_search_without_accents_finds_accented_names_and_addresses(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    _member(orgs.association, "Đặng Thị Hường", "huong@example.vn")
    _member(orgs.branch, "Bùi Văn Sơn", "son.bui@example.vn")
    client = as_user(secretariat)

    assert names(client.get(URL, {"q": "dang huong"})) == ["Đặng Thị Hường"]
    assert names(client.get(URL, {"q": "Đặng  HƯỜNG"})) == ["Đặng Thị Hường"]
    assert names(client.get(URL, {"q": "son.bui@"})) == ["Bùi Văn Sơn"]


def test_the_list_filters_by_organisation_role_and_status(
    as_user: Any, secretariat: Any, orgs: Any, admin_user: Any
) -> None:
    branch_expert = _member(orgs.branch, "Bùi Văn Sơn", "son@example.vn")
    invited = services.user_create(
        actor=secretariat,
        email="moi@example.vn",
        full_name="Ngô Văn Mới",
        organization=orgs.association,
        role=Role.EXPERT,
    )
    services.user_invite(actor=secretariat, user=invited)
    not_invited = services.user_create(
        actor=secretariat,
        email="chua@example.vn",
        full_name="Lý Văn Chưa",
        organization=orgs.association,
        role=Role.EXPERT,
    )
    services.user_deactivate(actor=secretariat, user=branch_expert, reason="nghỉ")
    client = as_user(secretariat)

    assert names(client.get(URL, {"organization": orgs.branch.pk})) == [branch_expert.full_name]
    assert names(client.get(URL, {"role": Role.SECRETARIAT})) == ["Phạm Thu Trang"]
    assert names(client.get(URL, {"status": "inactive"})) == [branch_expert.full_name]
    assert names(client.get(URL, {"status": "invited"})) == [invited.full_name]
    assert names(client.get(URL, {"status": "not_invited"})) == [not_invited.full_name]
    assert branch_expert.full_name not in names(client.get(URL, {"status": "active"}))
    # The administrator, a member of the association, is listed but not the secretariat's to change.
    assert admin_user.full_name in names(client.get(URL))


def test_the_list_shows_status_and_roles(as_user: Any, secretariat: Any, orgs: Any) -> None:
    invited = services.user_create(
        actor=secretariat,
        email="moi@example.vn",
        full_name="Ngô Văn Mới",
        organization=orgs.association,
        role=Role.EXPERT,
        position="Hội viên",
    )
    services.user_invite(actor=secretariat, user=invited)

    html = as_user(secretariat).get(URL, {"q": "moi"}).content.decode()

    assert "Hội viên" in html
    assert gettext("Expert") in html
    assert timezone.localdate().strftime("%d/%m/%Y") in html  # invited today


def test_htmx_requests_get_only_the_results(as_user: Any, secretariat: Any) -> None:
    response = as_user(secretariat).get(URL, {"q": "trang"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert html.lstrip().startswith('<div id="results">')
    assert 'class="filters"' not in html


def test_the_list_is_paginated_with_a_bounded_number_of_queries(
    as_user: Any, admin_user: Any, orgs: Any, django_assert_max_num_queries: Any
) -> None:
    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            user = _member(orgs.association, f"Người Số {n}", f"p{n}@example.vn")
            MembershipFactory.create(
                user=user, organization=orgs.department, role=Role.AGENCY_OFFICER
            )
            AccountInvitation.objects.create(
                user=user, token_hash=f"{n:064d}", expires_at="2030-01-01T00:00:00Z"
            )
            ExpertFactory.create(user=user)

    client = as_user(admin_user)
    client.get(URL)
    add(3, 0)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    add(30, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["page_obj"]) == 25


def test_the_navigation_offers_people_to_those_who_manage_them(
    as_user: Any, secretariat: Any, admin_user: Any, officer: Any, expert_user: Any
) -> None:
    cases = ((secretariat, True), (admin_user, True), (officer, False), (expert_user, False))
    for user, shown in cases:
        html = as_user(user).get(reverse("core:home")).content.decode()
        assert (f'href="{URL}"' in html) is shown


# Creating ------------------------------------------------------------------------


def _create_form(**overrides: Any) -> dict[str, Any]:
    return {
        "full_name": "Phan Văn Tạo",
        "email": "Tao@Example.vn",
        "phone": "0912 000 111",
        "organization": overrides.pop("organization"),
        "role": Role.EXPERT,
        "position": "",
        **overrides,
    }


def test_creating_with_the_invitation_sends_the_activation_email(
    as_user: Any,
    secretariat: Any,
    orgs: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(secretariat).post(
            reverse("people:create"),
            _create_form(organization=orgs.association.pk, send_invitation="on"),
        )

    person = User.objects.get(email="tao@example.vn")
    assert response["Location"] == reverse("people:detail", args=[person.pk])
    assert [m.to for m in mailoutbox] == [["tao@example.vn"]]
    assert person.phone == "0912 000 111"


def test_creating_without_the_invitation_sends_nothing(
    as_user: Any,
    secretariat: Any,
    orgs: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        as_user(secretariat).post(
            reverse("people:create"), _create_form(organization=orgs.association.pk)
        )

    assert User.objects.filter(email="tao@example.vn").exists()
    assert mailoutbox == []


def test_a_taken_address_is_shown_on_its_field_and_keeps_the_input(
    as_user: Any, secretariat: Any, orgs: Any, expert_user: Any
) -> None:
    response = as_user(secretariat).post(
        reverse("people:create"),
        _create_form(organization=orgs.association.pk, email="EXPERT@example.vn"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [str(services.EMAIL_TAKEN)]
    assert 'value="Phan Văn Tạo"' in response.content.decode()


def test_the_secretariat_is_offered_only_its_roles_and_organisations(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    form = as_user(secretariat).get(reverse("people:create")).context["form"]

    assert [value for value, _label in form.fields["role"].choices] == [
        Role.SECRETARIAT,
        Role.EXPERT,
    ]
    assert set(form.fields["organization"].queryset) == {orgs.association, orgs.branch}


# The person page -----------------------------------------------------------------


def test_the_person_page_shows_roles_sign_in_and_the_expert_record(
    as_user: Any, secretariat: Any, expert_user: Any
) -> None:
    expert = ExpertFactory.create(user=expert_user, full_name="Trần Quốc Bảo")
    response = as_user(secretariat).get(reverse("people:detail", args=[expert_user.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert expert.get_absolute_url() in html
    assert reverse("people:deactivate", args=[expert_user.pk]) in html
    assert reverse("people:invite", args=[expert_user.pk]) not in html  # already activated
    assert set(response.context["actions"]) == {"edit", "deactivate", "add_membership"}


def test_the_secretariat_sees_an_administrator_but_may_not_change_them(
    as_user: Any, secretariat: Any, admin_user: Any
) -> None:
    response = as_user(secretariat).get(reverse("people:detail", args=[admin_user.pk]))

    assert response.status_code == 200
    assert response.context["actions"] == ["add_membership"]
    assert [row["actions"] for row in response.context["memberships"]] == [[]]
    assert as_user(secretariat).get(reverse("people:edit", args=[admin_user.pk])).status_code == 403


def test_an_administrator_is_not_offered_to_deactivate_themself(
    as_user: Any, admin_user: Any
) -> None:
    response = as_user(admin_user).get(reverse("people:detail", args=[admin_user.pk]))

    assert "deactivate" not in response.context["actions"]
    [row] = response.context["memberships"]
    assert row["actions"] == ["change"]  # the last administrator role cannot be ended
    page = as_user(admin_user).get(reverse("people:deactivate", args=[admin_user.pk]))
    assert page.status_code == 403


def test_deactivating_asks_for_a_reason_and_a_confirmation(
    as_user: Any, secretariat: Any, expert_user: Any
) -> None:
    url = reverse("people:deactivate", args=[expert_user.pk])
    client = as_user(secretariat)

    refused = client.post(url, {"reason": "Thôi làm hội viên"})
    assert refused.status_code == 200
    assert "confirm" in refused.context["form"].errors
    assert "Thôi làm hội viên" in refused.content.decode()
    expert_user.refresh_from_db()
    assert expert_user.is_active

    assert client.post(url, {"reason": "Thôi làm hội viên", "confirm": "on"}).status_code == 302
    expert_user.refresh_from_db()
    assert not expert_user.is_active


def test_sending_the_link_again_from_the_person_page(
    as_user: Any,
    secretariat: Any,
    orgs: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    person = services.user_create(
        actor=secretariat,
        email="moi@example.vn",
        full_name="Ngô Văn Mới",
        organization=orgs.association,
        role=Role.EXPERT,
    )
    client = as_user(secretariat)
    page = client.get(reverse("people:detail", args=[person.pk]))
    assert "invite" in page.context["actions"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:invite", args=[person.pk]))
        client.post(reverse("people:invite", args=[person.pk]))

    assert len(mailoutbox) == 2
    states = [i.state() for i in AccountInvitation.objects.filter(user=person)]
    assert sorted(states) == ["open", "revoked"]
    page = client.get(reverse("people:detail", args=[person.pk]))
    assert page.context["activation_email"] is not None


def test_a_duplicate_role_is_refused_on_the_person_page(
    as_user: Any, secretariat: Any, orgs: Any, expert_user: Any
) -> None:
    response = as_user(secretariat).post(
        reverse("people:membership_add", args=[expert_user.pk]),
        {"organization": orgs.association.pk, "role": Role.EXPERT},
    )

    assert response.status_code == 422
    assert str(services.MEMBERSHIP_EXISTS) in response.content.decode()


def test_changing_and_ending_a_role_from_the_person_page(
    as_user: Any, secretariat: Any, expert_user: Any
) -> None:
    membership = expert_user.memberships.get()
    client = as_user(secretariat)

    client.post(
        reverse("people:membership_change", args=[expert_user.pk, membership.pk]),
        {f"m{membership.pk}-role": Role.SECRETARIAT, f"m{membership.pk}-position": "Chuyên viên"},
    )
    membership.refresh_from_db()
    assert (membership.role, membership.position) == (Role.SECRETARIAT, "Chuyên viên")

    client.post(reverse("people:membership_end", args=[expert_user.pk, membership.pk]))
    assert not Membership.objects.get(pk=membership.pk).is_active


def test_a_membership_of_another_person_is_not_found(
    as_user: Any, secretariat: Any, expert_user: Any, other_expert_user: Any
) -> None:
    other = other_expert_user.memberships.get()

    response = as_user(secretariat).post(
        reverse("people:membership_end", args=[expert_user.pk, other.pk])
    )

    assert response.status_code == 404
    assert Membership.objects.get(pk=other.pk).is_active


def test_edit_keeps_an_activated_address_for_administrators(
    as_user: Any, secretariat: Any, expert_user: Any
) -> None:
    url = reverse("people:edit", args=[expert_user.pk])

    response = as_user(secretariat).post(
        url, {"full_name": "Trần Quốc  Bảo", "email": "khac@example.vn", "phone": "09"}
    )

    assert response.status_code == 302
    expert_user.refresh_from_db()
    assert expert_user.email == "expert@example.vn"  # the disabled field keeps its value
    assert (expert_user.full_name, expert_user.phone) == ("Trần Quốc Bảo", "09")


def test_the_person_page_answers_a_client_without_a_session(db: None) -> None:
    assert Client().get(reverse("people:detail", args=[1])).status_code == 302
