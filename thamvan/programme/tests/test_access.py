"""Who sees which programme, task and directive, allowed and forbidden side by side."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.programme.tests.factories import ConclusionFactory, ProgrammeFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_an_officer_sees_the_task_their_department_leads_but_not_the_wards(
    as_user: Any, officer: Any, department_task: Any, ward_task: Any
) -> None:
    client = as_user(officer)
    assert (
        client.get(reverse("programme:task_detail", args=[department_task.pk])).status_code == 200
    )
    assert client.get(reverse("programme:task_detail", args=[ward_task.pk])).status_code == 404


def test_an_officer_sees_a_task_their_organisation_cooperates_on(
    as_user: Any, officer: Any, ward_task: Any, orgs: Any, other_officer: Any
) -> None:
    ward_task.cooperating_organizations.add(orgs.department)
    assert as_user(officer).get(ward_task.get_absolute_url()).status_code == 200
    assert as_user(other_officer).get(ward_task.get_absolute_url()).status_code == 200


def test_a_city_officer_sees_tasks_of_the_units_below_the_city(
    as_user: Any, orgs: Any, department_task: Any, ward_task: Any
) -> None:
    from thamvan.accounts.tests.factories import MembershipFactory, UserFactory

    city_officer = UserFactory()
    MembershipFactory.create(user=city_officer, organization=orgs.city, role="agency_officer")
    client = as_user(city_officer)
    assert client.get(department_task.get_absolute_url()).status_code == 200
    assert client.get(ward_task.get_absolute_url()).status_code == 200


def test_leadership_reads_every_task_of_a_programme_their_city_is_party_to(
    as_user: Any, leadership: Any, orgs: Any, department_task: Any
) -> None:
    foreign = TaskFactory.create(programme=ProgrammeFactory.create(parties=[orgs.consultant]))
    client = as_user(leadership)
    assert client.get(department_task.get_absolute_url()).status_code == 200
    assert client.get(foreign.get_absolute_url()).status_code == 404


def test_leadership_may_not_edit_or_report(
    as_user: Any, leadership: Any, secretariat: Any, department_task: Any
) -> None:
    assert (
        as_user(leadership)
        .get(reverse("programme:task_edit", args=[department_task.pk]))
        .status_code
        == 403
    )
    assert (
        as_user(secretariat)
        .get(reverse("programme:task_edit", args=[department_task.pk]))
        .status_code
        == 200
    )
    assert (
        as_user(leadership)
        .get(reverse("programme:report_create", args=[department_task.pk]))
        .status_code
        == 403
    )


def test_experts_and_outsiders_see_no_task_and_no_programme(
    as_user: Any, expert_user: Any, outsider: Any, secretariat: Any, department_task: Any
) -> None:
    for user in (expert_user, outsider):
        client = as_user(user)
        assert client.get(department_task.get_absolute_url()).status_code == 404
        assert client.get(department_task.programme.get_absolute_url()).status_code == 404
        assert client.get(reverse("programme:task_list")).status_code == 403
    assert as_user(secretariat).get(department_task.programme.get_absolute_url()).status_code == 200


def test_a_task_owner_sees_and_reports_on_their_task(
    as_user: Any, expert_user: Any, ward_task: Any
) -> None:
    ward_task.owner = expert_user
    ward_task.save(update_fields=["owner"])
    client = as_user(expert_user)
    assert client.get(ward_task.get_absolute_url()).status_code == 200
    assert client.get(reverse("programme:report_create", args=[ward_task.pk])).status_code == 200


def test_an_officer_sees_a_programme_through_their_task_but_not_an_unrelated_one(
    as_user: Any, officer: Any, department_task: Any
) -> None:
    unrelated = ProgrammeFactory.create()
    client = as_user(officer)
    assert client.get(department_task.programme.get_absolute_url()).status_code == 200
    assert client.get(unrelated.get_absolute_url()).status_code == 404


def test_directives_are_read_by_officials_and_managed_by_the_secretariat(
    as_user: Any, officer: Any, leadership: Any, secretariat: Any, expert_user: Any
) -> None:
    directive = ConclusionFactory.create().directive
    assert as_user(officer).get(directive.get_absolute_url()).status_code == 200
    assert as_user(leadership).get(directive.get_absolute_url()).status_code == 200
    assert as_user(expert_user).get(directive.get_absolute_url()).status_code == 404
    edit = reverse("programme:directive_edit", args=[directive.pk])
    assert as_user(secretariat).get(edit).status_code == 200
    assert as_user(leadership).get(edit).status_code == 403
    assert as_user(officer).get(reverse("programme:directive_create")).status_code == 403


def test_only_the_secretariat_creates_programmes_and_imports(
    as_user: Any, secretariat: Any, leadership: Any, officer: Any, programme: Any
) -> None:
    assert as_user(secretariat).get(reverse("programme:create")).status_code == 200
    assert as_user(leadership).get(reverse("programme:create")).status_code == 403
    assert (
        as_user(secretariat).get(reverse("programme:import", args=[programme.pk])).status_code
        == 200
    )
    assert (
        as_user(leadership).get(reverse("programme:import", args=[programme.pk])).status_code == 403
    )


def test_the_task_list_shows_only_visible_tasks(
    as_user: Any, officer: Any, secretariat: Any, department_task: Any, ward_task: Any
) -> None:
    officer_page = as_user(officer).get(reverse("programme:task_list")).content.decode()
    assert department_task.title in officer_page
    assert ward_task.title not in officer_page
    secretariat_page = as_user(secretariat).get(reverse("programme:task_list")).content.decode()
    assert department_task.title in secretariat_page and ward_task.title in secretariat_page
