"""Refused access logged in one place: the access helpers' 404 names the object it hid."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from thamvan.audit.denied import NotVisible, not_found, record_not_visible
from thamvan.audit.models import AuditEntry
from thamvan.audit.services import Action
from thamvan.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_not_found_names_an_existing_object_and_nothing_else(orgs: Any) -> None:
    hidden = not_found(Organization, orgs.city.pk)
    assert isinstance(hidden, NotVisible)
    assert (hidden.target_type, hidden.target_id) == (
        "organizations.organization",
        str(orgs.city.pk),
    )
    missing = not_found(Organization, 987654)
    assert isinstance(missing, Http404) and not isinstance(missing, NotVisible)


def test_only_signed_in_users_are_logged(orgs: Any, officer: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/x/")
    request.user = AnonymousUser()
    assert record_not_visible(request, NotVisible("organizations.organization", 1)) is None
    request.user = officer
    entry = record_not_visible(request, NotVisible("organizations.organization", 1))
    assert entry is not None and entry.action == Action.ACCESS_DENIED
    assert record_not_visible(request, Http404()) is None


def test_an_officer_opening_an_organisations_edit_form_is_logged(
    as_user: Any, officer: Any, orgs: Any
) -> None:
    url = reverse("organizations:edit", args=[orgs.department.pk])
    assert as_user(officer).get(url).status_code == 404
    [entry] = AuditEntry.objects.filter(action=Action.ACCESS_DENIED)
    assert (entry.actor, entry.target_type, entry.target_id) == (
        officer,
        "organizations.organization",
        str(orgs.department.pk),
    )


def test_the_secretariat_edits_organisations_without_a_refusal(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    url = reverse("organizations:edit", args=[orgs.department.pk])
    assert as_user(secretariat).get(url).status_code == 200
    assert not AuditEntry.objects.filter(action=Action.ACCESS_DENIED).exists()


@pytest.mark.parametrize(
    ("url_name", "factory", "label"),
    [
        (
            "programme:task_detail",
            "thamvan.programme.tests.factories.TaskFactory",
            "programme.task",
        ),
        (
            "consultations:detail",
            "thamvan.consultations.tests.factories.ConsultationFactory",
            "consultations.consultation",
        ),
        (
            "research:detail",
            "thamvan.research.tests.factories.TopicFactory",
            "research.researchtopic",
        ),
        ("events:detail", "thamvan.events.tests.factories.WorkshopFactory", "events.workshop"),
    ],
)
def test_a_hidden_task_consultation_topic_or_workshop_is_logged(
    as_user: Any, outsider: Any, orgs: Any, url_name: str, factory: str, label: str
) -> None:
    from django.utils.module_loading import import_string

    hidden = import_string(factory).create()
    assert as_user(outsider).get(reverse(url_name, args=[hidden.pk])).status_code == 404
    [entry] = AuditEntry.objects.filter(action=Action.ACCESS_DENIED)
    assert (entry.actor, entry.target_type, entry.target_id) == (outsider, label, str(hidden.pk))
