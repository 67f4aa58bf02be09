"""Every admin URL, for every persona: only the administrator finds the admin site.

The URLs come from the admin registry, so a model registered later is covered
without touching this test; it only needs one stored row (``one_of_each``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from thamvan.audit.services import record

pytestmark = pytest.mark.django_db

NOT_ADMINISTRATORS = ["officer", "other_officer", "secretariat", "expert_user", "leadership"]
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def one_of_each(
    settings: Any, tmp_path: Any, orgs: Any, officer: Any, admin_user: Any, expert_user: Any
) -> dict[type[models.Model], models.Model]:
    from django_tasks_db.models import DBTaskResult, get_date_max

    from thamvan.accounts.models import LoginAttempt, TOTPDevice
    from thamvan.consultations.models import DeadlineRule
    from thamvan.consultations.tests.factories import ConsultationFactory, advance
    from thamvan.dossiers.tests.factories import DocumentFactory, DossierFactory
    from thamvan.experts.models import ExpertImport
    from thamvan.experts.tests.factories import (
        AffiliationFactory,
        ConflictDeclarationFactory,
        ExpertFactory,
        UnavailablePeriodFactory,
    )
    from thamvan.notifications.models import Notification, OutgoingEmail

    settings.MEDIA_ROOT = tmp_path
    document = DocumentFactory.create(
        version__dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    consultation = ConsultationFactory.create(
        dossier=document.version.dossier, association=orgs.association
    )
    advance(consultation, "sent", officer=officer, secretariat=admin_user)
    expert = ExpertFactory.create(user=expert_user, specialties=["giao-thong"])
    AffiliationFactory.create(expert=expert)
    UnavailablePeriodFactory.create(expert=expert)
    ConflictDeclarationFactory.create(expert=expert, organization=orgs.consultant)
    ExpertImport.objects.create(original_filename="a.xlsx", kind="xlsx", created_by=admin_user)
    Notification.objects.create(recipient=officer, kind="test", message="Thông báo")
    OutgoingEmail.objects.create(recipient=officer.email, subject="Thư", template="test/mail")
    LoginAttempt.objects.create(email=officer.email, succeeded=True)
    TOTPDevice.objects.create(user=officer, secret="JBSWY3DPEHPK3PXP", confirmed_at=timezone.now())
    record(actor=officer, action="login.succeeded")
    DeadlineRule.objects.create(valid_from=date(2020, 1, 1), days=15, day_kind="working")
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="thamvan.accounts.tasks.prune_login_attempts",
        backend_name="default",
        # "Not scheduled", which the immediate backend of the tests accepts.
        run_after=get_date_max(),
        exception_class_path="",
        traceback="",
    )
    rows = {model: model._default_manager.order_by("pk").first() for model in REGISTERED}
    missing = [model._meta.label for model, row in rows.items() if row is None]
    assert not missing, f"add a row of {missing} to one_of_each"
    return rows  # type: ignore[return-value]


def admin_urls(rows: dict[type[models.Model], models.Model]) -> list[tuple[str, str]]:
    urls = [("index", reverse("admin:index"))]
    for model, row in rows.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [
            ("changelist", reverse(f"{name}_changelist")),
            ("add", reverse(f"{name}_add")),
            ("change", reverse(f"{name}_change", args=[row.pk])),
            ("delete", reverse(f"{name}_delete", args=[row.pk])),
        ]
    return urls


@pytest.mark.parametrize("persona", NOT_ADMINISTRATORS)
def test_no_admin_url_exists_for_anyone_but_the_administrator(
    persona: str, request: pytest.FixtureRequest, as_user: Any, one_of_each: Any
) -> None:
    user = request.getfixturevalue(persona)
    # Staff status, as the secretariat used to have, changes nothing.
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = as_user(user)
    answers = {url: client.get(url).status_code for _, url in admin_urls(one_of_each)}
    deletions = {
        url: client.post(url, {"post": "yes"}).status_code
        for kind, url in admin_urls(one_of_each)
        if kind == "delete"
    }

    assert {url: code for url, code in answers.items() if code != 404} == {}
    assert {url: code for url, code in deletions.items() if code != 404} == {}
    for model, row in one_of_each.items():
        assert model._default_manager.filter(pk=row.pk).exists(), model


def test_anonymous_visitors_are_sent_to_sign_in(one_of_each: Any) -> None:
    client = Client()
    for _, url in admin_urls(one_of_each):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    assert Client().get(reverse("admin:login"))["Location"].startswith(reverse("accounts:login"))


def test_the_administrator_opens_every_list_and_record(
    as_user: Any, admin_user: Any, one_of_each: Any
) -> None:
    client = as_user(admin_user)
    answers = {(kind, url): client.get(url).status_code for kind, url in admin_urls(one_of_each)}

    opened = {
        key: code for key, code in answers.items() if key[0] in ("index", "changelist", "change")
    }
    assert {key: code for key, code in opened.items() if code != 200} == {}
    # Adding and deleting are offered only where the rules allow; never a 404 or an error.
    others = {key: code for key, code in answers.items() if key[0] in ("add", "delete")}
    assert {key: code for key, code in others.items() if code not in (200, 403)} == {}


@pytest.mark.parametrize(
    ("persona", "shown"), [*((name, False) for name in NOT_ADMINISTRATORS), ("admin_user", True)]
)
def test_the_header_links_to_the_admin_site_only_for_the_administrator(
    request: pytest.FixtureRequest, persona: str, shown: bool
) -> None:
    user = request.getfixturevalue(persona)
    # Staff status alone opens nothing, so it must not show the link either.
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    page = client.get(reverse("core:home"), follow=True).content.decode()
    assert (f'href="{reverse("admin:index")}"' in page) is shown
