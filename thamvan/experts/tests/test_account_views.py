"""Accounts from the registry: the bulk action, one record's button, linking an account."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from thamvan.accounts.models import Role, User
from thamvan.accounts.services import OUTCOME_MESSAGES, Outcome
from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db

LIST = reverse("experts:list")
BULK = reverse("experts:create_accounts")


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_registry_offers_the_bulk_action_to_its_managers_only(
    as_user: Any, secretariat: Any, leadership: Any, invited_expert: Expert
) -> None:
    managing = as_user(secretariat).get(LIST).content.decode()
    reading = as_user(leadership).get(LIST).content.decode()

    assert f'value="{invited_expert.pk}"' in managing and BULK in managing
    assert BULK not in reading


def test_the_bulk_action_reports_what_became_of_each_expert(
    as_user: Any,
    secretariat: Any,
    orgs: Any,
    expert: Expert,
    invited_expert: Expert,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    no_email = ExpertFactory.create(full_name="Tạ Văn Bốn", email="")

    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(secretariat).post(
            BULK,
            {
                "experts": [expert.pk, invited_expert.pk, no_email.pk],
                "organization": orgs.association.pk,
            },
        )

    assert response.status_code == 200
    report = response.context["report"]
    assert [len(report.created), len(report.skipped)] == [1, 2]
    html = response.content.decode()
    assert str(OUTCOME_MESSAGES[Outcome.NO_EMAIL]) in html
    assert str(OUTCOME_MESSAGES[Outcome.HAS_ACCOUNT]) in html
    invited_expert.refresh_from_db()
    assert invited_expert.user is not None
    assert reverse("people:detail", args=[invited_expert.user.pk]) in html
    assert [m.to for m in mailoutbox] == [["hung@example.vn"]]


def test_linkable_experts_get_a_link_button_on_the_report(
    as_user: Any, secretariat: Any, orgs: Any, invited_expert: Expert
) -> None:
    existing = UserFactory.create(email="hung@example.vn", full_name="Nguyễn Văn Hùng")
    client = as_user(secretariat)

    report = client.post(BULK, {"experts": [invited_expert.pk], "organization": orgs.branch.pk})
    link = reverse("experts:link_account", args=[invited_expert.pk])
    assert link in report.content.decode()
    client.post(link, {"organization": orgs.branch.pk})

    invited_expert.refresh_from_db()
    assert invited_expert.user == existing
    assert existing.memberships.filter(organization=orgs.branch, role=Role.EXPERT).exists()


def test_nothing_ticked_returns_to_the_filtered_list_with_a_message(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    response = as_user(secretariat).post(
        BULK, {"organization": orgs.association.pk, "query": "q=hung&rank=GS"}
    )

    assert response["Location"] == f"{LIST}?q=hung&rank=GS"
    with translation.override(settings.LANGUAGE_CODE):
        expected = translation.gettext("Tick at least one expert in the list.")
    assert expected in " ".join(_messages(response))


def test_a_record_without_an_account_offers_to_create_one(
    as_user: Any, secretariat: Any, invited_expert: Expert
) -> None:
    html = as_user(secretariat).get(invited_expert.get_absolute_url()).content.decode()

    assert reverse("experts:create_account", args=[invited_expert.pk]) in html


def test_one_records_button_creates_the_account_and_sends_the_link(
    as_user: Any,
    secretariat: Any,
    orgs: Any,
    invited_expert: Expert,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(secretariat).post(
            reverse("experts:create_account", args=[invited_expert.pk]),
            {"organization": orgs.association.pk},
        )

    assert response["Location"] == invited_expert.get_absolute_url()
    invited_expert.refresh_from_db()
    user = invited_expert.user
    assert user is not None and user.email == "hung@example.vn"
    assert len(mailoutbox) == 1
    page = as_user(secretariat).get(invited_expert.get_absolute_url()).content.decode()
    assert reverse("people:detail", args=[user.pk]) in page


def test_a_record_without_an_email_explains_why_no_account(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    expert = ExpertFactory.create(email="")
    page = as_user(secretariat).get(expert.get_absolute_url()).content.decode()
    assert reverse("experts:create_account", args=[expert.pk]) not in page

    response = as_user(secretariat).post(
        reverse("experts:create_account", args=[expert.pk]),
        {"organization": orgs.association.pk},
    )

    assert str(OUTCOME_MESSAGES[Outcome.NO_EMAIL]) in _messages(response)
    assert not User.objects.filter(expert_profile=expert).exists()


def test_a_record_whose_address_has_an_account_offers_to_link_it(
    as_user: Any, secretariat: Any, orgs: Any, invited_expert: Expert
) -> None:
    officer = UserFactory.create(email="hung@example.vn")
    MembershipFactory.create(user=officer, organization=orgs.department, role=Role.AGENCY_OFFICER)

    html = as_user(secretariat).get(invited_expert.get_absolute_url()).content.decode()

    assert reverse("experts:link_account", args=[invited_expert.pk]) in html
    create = reverse("experts:create_account", args=[invited_expert.pk])
    assert f'action="{create}"' not in html


def test_leadership_sees_the_account_but_not_the_person_page(
    as_user: Any, leadership: Any, expert: Expert
) -> None:
    html = as_user(leadership).get(expert.get_absolute_url()).content.decode()

    assert "expert@example.vn" in html
    assert reverse("people:detail", args=[expert.user_id]) not in html
    assert reverse("experts:create_account", args=[expert.pk]) not in html


@pytest.mark.parametrize(("persona", "status"), [("leadership", 404), ("officer", 404)])
@pytest.mark.parametrize("name", ["experts:create_account", "experts:link_account"])
def test_only_registry_managers_create_or_link_one_records_account(
    as_user: Any,
    request: pytest.FixtureRequest,
    orgs: Any,
    invited_expert: Expert,
    persona: str,
    status: int,
    name: str,
) -> None:
    response = as_user(request.getfixturevalue(persona)).post(
        reverse(name, args=[invited_expert.pk]), {"organization": orgs.association.pk}
    )

    assert response.status_code == status
    invited_expert.refresh_from_db()
    assert invited_expert.user is None


def test_an_expert_cannot_make_an_account_from_their_own_record(
    as_user: Any, expert_user: Any, orgs: Any, expert: Expert
) -> None:
    response = as_user(expert_user).post(
        reverse("experts:create_account", args=[expert.pk]), {"organization": orgs.association.pk}
    )

    assert response.status_code == 403
