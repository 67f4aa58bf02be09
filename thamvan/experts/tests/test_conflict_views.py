"""The profile's "Declared conflicts of interest": the expert declares and withdraws, the
secretariat reads and records on the expert's behalf, nobody else does either."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from thamvan.accounts.models import User
from thamvan.audit.models import AuditEntry
from thamvan.dossiers.models import Confidentiality
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.models import ConflictDeclaration, Expert
from thamvan.experts.tests.factories import ConflictDeclarationFactory, ExpertFactory

pytestmark = pytest.mark.django_db

AsUser = Callable[[User], Client]
ME = reverse("experts:me")


def _add(expert: Expert) -> str:
    return reverse("experts:conflict_add", args=[expert.pk])


def _withdraw(declaration: ConflictDeclaration) -> str:
    return reverse("experts:conflict_withdraw", args=[declaration.expert_id, declaration.pk])


def _in_english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def organisation_data(orgs: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "organization",
        "organization": orgs.consultant.pk,
        "start_date": "01/03/2019",
        "end_date": "",
        "reason": "Cố vấn kỹ thuật theo hợp đồng",
        **overrides,
    }


def test_the_expert_sees_the_section_and_declares_a_conflict(
    as_user: AsUser, expert_user: User, expert: Expert, orgs: Any
) -> None:
    client = as_user(expert_user)
    page = client.get(ME).content.decode()
    assert 'id="conflicts"' in page and f'action="{_add(expert)}"' in page

    response = client.post(_add(expert), organisation_data(orgs))

    assert response.status_code == 302 and response["Location"] == f"{ME}#conflicts"
    declaration = expert.conflict_declarations.get()
    assert (declaration.organization, declaration.start_date, declaration.end_date) == (
        orgs.consultant,
        date(2019, 3, 1),
        None,
    )
    assert declaration.declared_by == expert_user
    assert AuditEntry.objects.filter(action="conflict_declaration.declared").count() == 1
    page = client.get(ME).content.decode()
    assert "Viện Quy hoạch Xây dựng Hà Nội" in page and "01/03/2019" in page
    assert _withdraw(declaration) in page


def test_the_expert_names_a_colleague_and_a_project(
    as_user: AsUser, expert_user: User, expert: Expert, other_expert: Expert, orgs: Any
) -> None:
    client = as_user(expert_user)
    public = DossierFactory.create(
        lead_agency=orgs.department,
        code="QHPK-N9-2026",
        name="Quy hoạch phân khu N9",
        confidentiality=Confidentiality.PUBLIC,
    )
    person = {"kind": "person", "other_expert": other_expert.pk, "name": ""}
    project = {"kind": "project", "dossier": public.pk, "name": ""}
    for data in (person, project):
        response = client.post(
            _add(expert), {"start_date": "2022-02-02", "reason": "Đồng tác giả", **data}
        )
        assert response.status_code == 302
    names = set(expert.conflict_declarations.values_list("kind", "name"))
    assert names == {("person", "Lê Thị Mai"), ("project", "Quy hoạch phân khu N9")}


def test_bad_input_is_explained_in_the_users_language_and_kept(
    as_user: AsUser, expert_user: User, expert: Expert, orgs: Any
) -> None:
    client = _in_english(as_user(expert_user))
    data = organisation_data(
        orgs,
        start_date="05/06/2024",
        end_date="04/06/2024",
        name="Dự án khác",
        reason="Từng làm cố vấn",
    )

    response = client.post(_add(expert), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in html
    assert "Leave this empty for this kind of conflict." in html
    assert 'value="05/06/2024"' in html and "Từng làm cố vấn" in html
    assert 'value="Dự án khác"' in html
    assert '<details class="experts-conflict-add" open>' in html
    assert not ConflictDeclaration.objects.exists()


def test_a_dossier_the_expert_may_not_read_cannot_be_named(
    as_user: AsUser, expert_user: User, expert: Expert, orgs: Any
) -> None:
    restricted = DossierFactory.create(
        lead_agency=orgs.department, confidentiality=Confidentiality.RESTRICTED
    )
    response = as_user(expert_user).post(
        _add(expert),
        {"kind": "project", "dossier": restricted.pk, "start_date": "01/01/2024", "reason": "x"},
    )
    assert response.status_code == 200
    assert not ConflictDeclaration.objects.exists()


def test_the_expert_withdraws_after_confirming_and_the_record_stays(
    as_user: AsUser, expert_user: User, expert: Expert
) -> None:
    declaration = ConflictDeclarationFactory.create(expert=expert, name="Khu đô thị Ecopark")
    client = _in_english(as_user(expert_user))
    page = client.get(ME).content.decode()
    assert "data-confirm=" in page[page.index(_withdraw(declaration)) :][:400]

    response = client.post(_withdraw(declaration))

    assert response.status_code == 302 and response["Location"] == f"{ME}#conflicts"
    declaration.refresh_from_db()
    assert declaration.withdrawn_by == expert_user
    page = client.get(ME).content.decode()
    assert "Khu đô thị Ecopark" in page and "Withdrawn on" in page
    assert _withdraw(declaration) not in page
    # Withdrawing again says so and changes nothing.
    again = client.post(_withdraw(declaration), follow=True)
    assert "This declaration has already been withdrawn." in again.content.decode()
    assert AuditEntry.objects.filter(action="conflict_declaration.withdrawn").count() == 1


def test_a_withdrawal_needs_a_post(as_user: AsUser, expert_user: User, expert: Expert) -> None:
    declaration = ConflictDeclarationFactory.create(expert=expert)
    assert as_user(expert_user).get(_withdraw(declaration)).status_code == 405
    declaration.refresh_from_db()
    assert declaration.withdrawn_at is None


@pytest.mark.parametrize("persona", ["other_expert_user", "officer", "outsider"])
def test_another_expert_an_officer_or_an_outsider_neither_sees_nor_declares_nor_withdraws(
    persona: str,
    request: pytest.FixtureRequest,
    as_user: AsUser,
    expert: Expert,
    other_expert: Expert,
    orgs: Any,
) -> None:
    declaration = ConflictDeclarationFactory.create(expert=expert)
    client = as_user(request.getfixturevalue(persona))

    assert client.get(reverse("experts:detail", args=[expert.pk])).status_code == 404
    assert client.post(_add(expert), organisation_data(orgs)).status_code == 404
    assert client.post(_withdraw(declaration)).status_code == 404
    assert expert.conflict_declarations.count() == 1
    declaration.refresh_from_db()
    assert declaration.withdrawn_at is None


def test_a_declaration_of_another_expert_is_404_under_ones_own_profile(
    as_user: AsUser, expert_user: User, expert: Expert, other_expert: Expert
) -> None:
    theirs = ConflictDeclarationFactory.create(expert=other_expert)
    url = reverse("experts:conflict_withdraw", args=[expert.pk, theirs.pk])
    assert as_user(expert_user).post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.withdrawn_at is None


def test_the_secretariat_reads_and_records_on_behalf_but_never_withdraws(
    as_user: AsUser, secretariat: User, expert: Expert, orgs: Any
) -> None:
    declaration = ConflictDeclarationFactory.create(expert=expert, name="Khu đô thị Ecopark")
    client = _in_english(as_user(secretariat))
    page = client.get(reverse("experts:detail", args=[expert.pk])).content.decode()
    assert "Khu đô thị Ecopark" in page
    assert "Record a conflict on the expert's behalf" in page
    assert _withdraw(declaration) not in page

    response = client.post(_add(expert), organisation_data(orgs))

    assert response.status_code == 302
    assert response["Location"] == f"{expert.get_absolute_url()}#conflicts"
    recorded = expert.conflict_declarations.get(kind="organization")
    assert recorded.declared_by == secretariat
    entry = AuditEntry.objects.get(action="conflict_declaration.declared")
    assert entry.actor == secretariat and entry.details["on_behalf"] is True
    page = client.get(reverse("experts:detail", args=[expert.pk])).content.decode()
    assert "recorded by Phạm Thu Trang" in page
    assert client.post(_withdraw(declaration)).status_code == 403
    declaration.refresh_from_db()
    assert declaration.withdrawn_at is None


def test_leadership_reads_but_records_nothing(
    as_user: AsUser, leadership: User, expert: Expert, orgs: Any
) -> None:
    ConflictDeclarationFactory.create(expert=expert, name="Khu đô thị Ecopark")
    client = as_user(leadership)
    page = client.get(reverse("experts:detail", args=[expert.pk])).content.decode()
    assert "Khu đô thị Ecopark" in page and _add(expert) not in page

    assert client.post(_add(expert), organisation_data(orgs)).status_code == 403
    assert expert.conflict_declarations.count() == 1


def test_the_profile_costs_the_same_queries_with_many_declarations(
    as_user: AsUser, expert_user: User, expert: Expert, other_expert: Expert, orgs: Any
) -> None:
    client = as_user(expert_user)
    ConflictDeclarationFactory.create(expert=expert, organization=orgs.consultant)
    client.get(ME)  # session and caches warm
    with CaptureQueriesContext(connection) as few:
        client.get(ME)
    for n in range(8):
        ConflictDeclarationFactory.create(expert=expert, organization=orgs.ward)
        ConflictDeclarationFactory.create(expert=expert, other_expert=other_expert)
        ConflictDeclarationFactory.create(
            expert=expert,
            dossier=DossierFactory.create(lead_agency=orgs.department),
            declared_by=ExpertFactory.create().user,
        )
        ConflictDeclarationFactory.create(expert=expert, name=f"Dự án {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(ME)
    assert response.content.decode().count("data-declaration=") == 33
    assert len(many) == len(few)
