"""The organisation admin: locking with the pages both ways, audit, no deletion of history."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.audit.models import AuditEntry
from thamvan.core.locking import CONFLICT_MESSAGE
from thamvan.organizations.models import Organization
from thamvan.organizations.tests.factories import OrganizationFactory
from thamvan.organizations.tests.test_locking import _form_data

pytestmark = pytest.mark.django_db


def admin_url(organization: Organization) -> str:
    return reverse("admin:organizations_organization_change", args=[organization.pk])


def admin_data(response: Any, **changes: Any) -> dict[str, Any]:
    """The admin change page as its browser would post it back."""
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    if data.pop("is_active", False) in (True, "True", "on"):
        data["is_active"] = "on"
    return data | changes


def test_a_stale_admin_save_is_refused_and_keeps_its_input(
    as_user: Any, secretariat: Any, admin_user: Any, orgs: Any
) -> None:
    admin_client = as_user(admin_user)
    admin_page = admin_client.get(admin_url(orgs.department))
    assert 'type="hidden" name="lock_version" value="0"' in admin_page.text
    page_url = reverse("organizations:edit", args=[orgs.department.pk])
    page_client = as_user(secretariat)
    saved = page_client.post(page_url, _form_data(page_client.get(page_url), phone="024 3825 1234"))
    assert saved.status_code == 302

    clash = admin_client.post(
        admin_url(orgs.department), admin_data(admin_page, address="31B Tràng Thi")
    )

    assert clash.status_code == 200
    assert clash.context["adminform"].form.non_field_errors() == [str(CONFLICT_MESSAGE)]
    assert 'value="31B Tràng Thi"' in clash.text
    orgs.department.refresh_from_db()
    assert (orgs.department.phone, orgs.department.address) == ("024 3825 1234", "")
    assert orgs.department.lock_version == 1


def test_an_admin_save_makes_a_page_form_opened_before_conflict(
    as_user: Any, secretariat: Any, admin_user: Any, orgs: Any
) -> None:
    page_url = reverse("organizations:edit", args=[orgs.department.pk])
    page_client = as_user(secretariat)
    page = page_client.get(page_url)
    admin_client = as_user(admin_user)
    admin_page = admin_client.get(admin_url(orgs.department))
    saved = admin_client.post(admin_url(orgs.department), admin_data(admin_page, phone="024 1"))
    assert saved.status_code == 302

    clash = page_client.post(page_url, _form_data(page, address="31B Tràng Thi"))

    assert clash.status_code == 200
    assert clash.context["form"].non_field_errors() == [str(CONFLICT_MESSAGE)]
    orgs.department.refresh_from_db()
    assert (orgs.department.phone, orgs.department.address) == ("024 1", "")
    assert orgs.department.lock_version == 1


def test_an_admin_change_is_in_the_audit_log_with_the_changed_fields(
    as_user: Any, admin_user: Any, orgs: Any
) -> None:
    client = as_user(admin_user)
    page = client.get(admin_url(orgs.department))

    client.post(admin_url(orgs.department), admin_data(page, phone="024 3825 1234"))

    entry = AuditEntry.objects.get(action="admin.object.changed")
    assert (entry.actor, entry.target_type, entry.target_id) == (
        admin_user,
        "organizations.organization",
        str(orgs.department.pk),
    )
    assert entry.details["fields"] == ["Phone"]
    assert "024 3825 1234" not in str(entry.data)


def test_an_organisation_with_members_or_dossiers_cannot_be_deleted(
    as_user: Any, admin_user: Any, officer: Any, orgs: Any
) -> None:
    client = as_user(admin_user)
    url = reverse("admin:organizations_organization_delete", args=[orgs.department.pk])

    assert client.post(url, {"post": "yes"}).status_code == 403

    assert Organization.objects.filter(pk=orgs.department.pk).exists()
    assert not AuditEntry.objects.filter(action__startswith="admin.").exists()


def test_an_unused_organisation_is_deleted_and_the_deletion_audited(
    as_user: Any, admin_user: Any
) -> None:
    unused = OrganizationFactory.create(name="Đơn vị nhập nhầm")
    url = reverse("admin:organizations_organization_delete", args=[unused.pk])

    assert as_user(admin_user).post(url, {"post": "yes"}).status_code == 302

    assert not Organization.objects.filter(pk=unused.pk).exists()
    entry = AuditEntry.objects.get(action="admin.object.deleted")
    assert (entry.target_id, entry.target_label) == (str(unused.pk), "Đơn vị nhập nhầm")
