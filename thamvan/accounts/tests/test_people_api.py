"""People management in the API: the answers' shape and the rules' error codes."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest

from thamvan.accounts.models import Role, User
from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def _patch(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.patch(url, json.dumps(data), content_type="application/json")


def _member(organization: Any, n: int) -> None:
    user = UserFactory.create(full_name=f"Người Số {n}", email=f"p{n}@example.vn")
    MembershipFactory.create(user=user, organization=organization, role=Role.EXPERT)


def _new_person(orgs: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "email": "Tao@Example.vn",
        "full_name": unicodedata.normalize("NFD", "Phan Văn Tạo"),
        "organization_id": orgs.association.pk,
        "role": Role.EXPERT,
        **overrides,
    }


def test_the_api_list_has_a_bounded_number_of_queries(
    api_client: Any, admin_user: Any, orgs: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_client(admin_user)
    for n in range(3):
        _member(orgs.association, n)
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/users")
    for n in range(3, 40):
        _member(orgs.branch, n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/users", {"limit": 30})
    assert len(response.json()["items"]) == 30


def test_creating_answers_the_person_with_status_and_actions(
    api_client: Any,
    secretariat: Any,
    orgs: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(api_client(secretariat), "/api/v1/users", _new_person(orgs))

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "tao@example.vn"
    assert body["full_name"] == "Phan Văn Tạo"  # NFC
    assert body["status"] == "invited" and body["invited_at"]
    assert body["actions"] == ["edit", "change_email", "invite", "deactivate", "add_membership"]
    [membership] = body["memberships"]
    assert membership["role"] == "expert" and membership["actions"] == ["change", "end"]
    assert len(mailoutbox) == 1


def test_creating_without_invitation_leaves_the_person_not_invited(
    api_client: Any, admin_user: Any, orgs: Any
) -> None:
    response = _post(api_client(admin_user), "/api/v1/users", _new_person(orgs, invite=False))

    assert response.json()["status"] == "not_invited"


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"email": "EXPERT@example.vn"}, 422, "email_taken"),
        ({"email": "khong-phai-email"}, 422, "email"),
        ({"role": "admin"}, 403, "forbidden"),
        ({"organization_id": 999999}, 422, "invalid"),
    ],
)
def test_bad_requests_get_the_services_codes(
    api_client: Any, secretariat: Any, orgs: Any, expert_user: Any, overrides, status, code
) -> None:
    response = _post(api_client(secretariat), "/api/v1/users", _new_person(orgs, **overrides))

    assert response.status_code == status
    assert response.json()["code"] == code


def test_the_address_of_an_activated_account_is_for_administrators(
    api_client: Any, secretariat: Any, admin_user: Any, expert_user: Any
) -> None:
    url = f"/api/v1/users/{expert_user.pk}"

    assert _patch(api_client(secretariat), url, {"email": "x@example.vn"}).status_code == 403
    changed = _patch(api_client(admin_user), url, {"email": "X@example.vn", "phone": None})
    assert changed.status_code == 200
    assert changed.json()["email"] == "x@example.vn"


def test_nobody_deactivates_themself_through_the_api(api_client: Any, admin_user: Any) -> None:
    response = _post(
        api_client(admin_user), f"/api/v1/users/{admin_user.pk}/deactivate", {"reason": "thử"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "self"


def test_deactivation_answers_the_inactive_person(
    api_client: Any, secretariat: Any, expert_user: Any
) -> None:
    response = _post(
        api_client(secretariat),
        f"/api/v1/users/{expert_user.pk}/deactivate",
        {"reason": "Thôi làm hội viên"},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "inactive"
    assert response.json()["actions"] == ["edit", "reactivate", "add_membership"]


def test_ending_ones_last_administrator_role_is_refused(api_client: Any, admin_user: Any) -> None:
    membership = admin_user.memberships.get()

    response = api_client(admin_user).delete(
        f"/api/v1/users/{admin_user.pk}/memberships/{membership.pk}"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "last_admin"


def test_the_bulk_expert_accounts_report_each_expert(
    api_client: Any, secretariat: Any, orgs: Any
) -> None:
    fresh = ExpertFactory.create(email="moi@example.vn")
    no_email = ExpertFactory.create(email="")
    existing = UserFactory.create(email="co@example.vn")
    taken = ExpertFactory.create(email="co@example.vn")
    client = api_client(secretariat)
    payload = {
        "expert_ids": [fresh.pk, no_email.pk, taken.pk],
        "organization_id": orgs.association.pk,
    }

    body = _post(client, "/api/v1/experts/accounts", payload).json()

    assert (body["created"], body["linked"], body["skipped"]) == (1, 0, 2)
    outcomes = {r["expert_id"]: r["outcome"] for r in body["results"]}
    assert outcomes == {fresh.pk: "created", no_email.pk: "no_email", taken.pk: "email_taken"}
    created = User.objects.get(email="moi@example.vn")
    assert [r["user_id"] for r in body["results"] if r["outcome"] == "created"] == [created.pk]

    again = _post(client, "/api/v1/experts/accounts", {**payload, "link_existing": True}).json()
    outcomes = {r["expert_id"]: r["outcome"] for r in again["results"]}
    assert outcomes[taken.pk] == "linked" and outcomes[fresh.pk] == "has_account"
    taken.refresh_from_db()
    assert taken.user == existing


def test_unknown_experts_are_refused_before_anything_is_created(
    api_client: Any, secretariat: Any, orgs: Any
) -> None:
    fresh = ExpertFactory.create(email="moi@example.vn")

    response = _post(
        api_client(secretariat),
        "/api/v1/experts/accounts",
        {"expert_ids": [fresh.pk, 2_000_000_000], "organization_id": orgs.association.pk},
    )

    assert response.status_code == 422
    assert not User.objects.filter(email="moi@example.vn").exists()
