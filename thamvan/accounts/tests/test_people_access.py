"""Who may manage people: every people page and its API twin, persona by persona.

Administrators and the secretariat of the person's association may; another
association's secretariat finds no such person (404); agency officers,
experts and leadership may not use people management at all (403).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from thamvan.accounts import services
from thamvan.accounts.models import Membership, Role, User
from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db


@dataclass
class World:
    orgs: Any
    member: User  # an activated expert of the association's branch
    newcomer: User  # created, not yet activated
    former: User  # deactivated
    membership: Membership
    expert_id: int  # a registry record without an account


@pytest.fixture
def world(orgs: Any, admin_user: Any) -> World:
    member = UserFactory.create(full_name="Lê Thị Mai", email="mai@example.vn")
    membership = MembershipFactory.create(user=member, organization=orgs.branch, role=Role.EXPERT)
    newcomer = services.user_create(
        actor=admin_user,
        email="moi@example.vn",
        full_name="Ngô Văn Mới",
        organization=orgs.association,
        role=Role.EXPERT,
    )
    former = UserFactory.create(full_name="Đặng Văn Cũ", email="cu@example.vn", is_active=False)
    MembershipFactory.create(user=former, organization=orgs.association, role=Role.EXPERT)
    expert = ExpertFactory.create(full_name="Tạ Thị Hoa", email="hoa@example.vn")
    return World(orgs, member, newcomer, former, membership, expert.pk)


Call = tuple[str, str, dict[str, Any] | None]


def _page_calls(w: World) -> dict[str, Call]:
    member, mid = w.member.pk, w.membership.pk
    return {
        "list": ("get", reverse("people:list"), None),
        "detail": ("get", reverse("people:detail", args=[member]), None),
        "create": (
            "post",
            reverse("people:create"),
            {
                "full_name": "Phan Văn Tạo",
                "email": "tao@example.vn",
                "organization": w.orgs.association.pk,
                "role": Role.EXPERT,
            },
        ),
        "edit": (
            "post",
            reverse("people:edit", args=[member]),
            {"full_name": "Lê Thị Mai Anh", "email": "mai@example.vn", "phone": ""},
        ),
        "invite": ("post", reverse("people:invite", args=[w.newcomer.pk]), {}),
        "deactivate": (
            "post",
            reverse("people:deactivate", args=[member]),
            {"reason": "Thôi làm hội viên", "confirm": "on"},
        ),
        "reactivate": ("post", reverse("people:reactivate", args=[w.former.pk]), {}),
        "membership_add": (
            "post",
            reverse("people:membership_add", args=[member]),
            {"organization": w.orgs.association.pk, "role": Role.SECRETARIAT},
        ),
        "membership_change": (
            "post",
            reverse("people:membership_change", args=[member, mid]),
            {f"m{mid}-role": Role.SECRETARIAT, f"m{mid}-position": "Chuyên viên"},
        ),
        "membership_end": ("post", reverse("people:membership_end", args=[member, mid]), {}),
        "expert_accounts": (
            "post",
            reverse("experts:create_accounts"),
            {"experts": [w.expert_id], "organization": w.orgs.association.pk},
        ),
    }


def _api_calls(w: World) -> dict[str, Call]:
    base = f"/api/v1/users/{w.member.pk}"
    return {
        "list": ("get", "/api/v1/users", None),
        "detail": ("get", base, None),
        "create": (
            "post",
            "/api/v1/users",
            {
                "full_name": "Phan Văn Tạo",
                "email": "tao@example.vn",
                "organization_id": w.orgs.association.pk,
                "role": Role.EXPERT,
            },
        ),
        "edit": ("patch", base, {"full_name": "Lê Thị Mai Anh"}),
        "invite": ("post", f"/api/v1/users/{w.newcomer.pk}/invite", {}),
        "deactivate": ("post", f"{base}/deactivate", {"reason": "Thôi làm hội viên"}),
        "reactivate": ("post", f"/api/v1/users/{w.former.pk}/reactivate", {}),
        "membership_add": (
            "post",
            f"{base}/memberships",
            {"organization_id": w.orgs.association.pk, "role": Role.SECRETARIAT},
        ),
        "membership_change": (
            "patch",
            f"{base}/memberships/{w.membership.pk}",
            {"role": Role.SECRETARIAT},
        ),
        "membership_end": ("delete", f"{base}/memberships/{w.membership.pk}", None),
        "expert_accounts": (
            "post",
            "/api/v1/experts/accounts",
            {"expert_ids": [w.expert_id], "organization_id": w.orgs.association.pk},
        ),
    }


ALLOWED = {
    # operation: (page status, API status)
    "list": (200, 200),
    "detail": (200, 200),
    "create": (302, 201),
    "edit": (302, 200),
    "invite": (302, 200),
    "deactivate": (302, 200),
    "reactivate": (302, 200),
    "membership_add": (302, 201),
    "membership_change": (302, 200),
    "membership_end": (302, 200),
    "expert_accounts": (200, 200),
}
OUT_OF_SCOPE = {
    "list": (200, 200),  # their own people only
    "create": (200, 403),  # the association is not among the page's choices
    "expert_accounts": (302, 403),  # nor among the registry action's
    **dict.fromkeys(
        (
            "detail",
            "edit",
            "invite",
            "deactivate",
            "reactivate",
            "membership_add",
            "membership_change",
            "membership_end",
        ),
        (404, 404),
    ),
}
FORBIDDEN = dict.fromkeys(ALLOWED, (403, 403))
EXPECTED = {
    "admin_user": ALLOWED,
    "secretariat": ALLOWED,
    "other_secretariat": OUT_OF_SCOPE,
    "officer": FORBIDDEN,
    "expert_user": FORBIDDEN,
    "leadership": FORBIDDEN,
}


def _send(client: Client, call: Call) -> Any:
    method, url, data = call
    if method == "get":
        return client.get(url)
    if data is None:
        return getattr(client, method)(url)
    if url.startswith("/api/"):
        return getattr(client, method)(url, json.dumps(data), content_type="application/json")
    return client.post(url, data)


CASES = [(persona, op) for persona in EXPECTED for op in ALLOWED]


@pytest.mark.parametrize(("persona", "operation"), CASES)
def test_the_page_and_the_api_answer_each_persona_alike(
    persona: str,
    operation: str,
    request: pytest.FixtureRequest,
    world: World,
    as_user: Callable[[Any], Client],
    api_client: Callable[[Any], Client],
) -> None:
    user = request.getfixturevalue(persona)
    page_status, api_status = EXPECTED[persona][operation]

    page = _send(as_user(user), _page_calls(world)[operation])
    assert page.status_code == page_status, page.content[:300]

    if page_status not in (200, 302) or persona == "other_secretariat":
        # Nothing changed, so the API meets the same state.
        world.member.refresh_from_db()
        assert world.member.is_active and world.member.full_name == "Lê Thị Mai"
        assert not User.objects.filter(email="tao@example.vn").exists()
        assert Membership.objects.filter(pk=world.membership.pk, role=Role.EXPERT).exists()
        api = _send(api_client(user), _api_calls(world)[operation])
        assert api.status_code == api_status, api.content[:300]


@pytest.mark.parametrize("operation", sorted(ALLOWED))
@pytest.mark.parametrize("persona", ["admin_user", "secretariat"])
def test_the_api_lets_the_allowed_personas_do_each_thing(
    persona: str,
    operation: str,
    request: pytest.FixtureRequest,
    world: World,
    api_client: Callable[[Any], Client],
) -> None:
    user = request.getfixturevalue(persona)

    response = _send(api_client(user), _api_calls(world)[operation])

    assert response.status_code == ALLOWED[operation][1], response.content[:300]


def test_the_out_of_scope_secretariat_does_not_see_the_first_associations_people(
    world: World, other_secretariat: Any, as_user: Any, api_client: Any
) -> None:
    page = as_user(other_secretariat).get(reverse("people:list"))
    api = api_client(other_secretariat).get("/api/v1/users")

    assert [p.pk for p in page.context["page_obj"]] == [other_secretariat.pk]
    assert [item["id"] for item in api.json()["items"]] == [other_secretariat.pk]


def test_anonymous_visitors_are_sent_to_sign_in_or_refused(world: World) -> None:
    assert Client().get(reverse("people:list")).status_code == 302
    assert Client().get("/api/v1/users").status_code == 401
