import pytest
from django.urls import reverse

from thamvan.audit.models import AuditEntry
from thamvan.organizations.models import Organization
from thamvan.organizations.tests.test_locking import _form_data

pytestmark = pytest.mark.django_db


def test_creating_an_organisation_is_audited(as_user, secretariat, orgs):
    response = as_user(secretariat).post(
        reverse("organizations:create"),
        {"name": "Viện Quy hoạch Đô thị và Nông thôn", "kind": "university", "is_active": "on"},
    )
    assert response.status_code == 302
    created = Organization.objects.get(name="Viện Quy hoạch Đô thị và Nông thôn")
    entry = AuditEntry.objects.get(action="organization.created")
    assert (entry.target_type, entry.target_id) == ("organizations.organization", str(created.pk))
    assert entry.actor == secretariat


def test_editing_an_organisation_records_the_changed_fields(as_user, secretariat, orgs):
    client = as_user(secretariat)
    url = reverse("organizations:edit", args=[orgs.department.pk])
    response = client.post(url, _form_data(client.get(url), phone="024 3825 1234"))
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="organization.updated")
    assert entry.target_id == str(orgs.department.pk)
    assert '"phone"' in entry.data


def test_a_refused_or_conflicting_edit_leaves_no_entry(as_user, secretariat, admin_user, orgs):
    url = reverse("organizations:edit", args=[orgs.department.pk])
    first, second = as_user(secretariat), as_user(admin_user)
    second_form = second.get(url)
    first.post(url, _form_data(first.get(url), phone="024 3825 1234"))
    clash = second.post(url, _form_data(second_form, address="31B Tràng Thi"))
    assert clash.status_code == 200
    assert AuditEntry.objects.filter(action="organization.updated").count() == 1

    invalid = first.post(reverse("organizations:create"), {"name": "X", "kind": "no-such-kind"})
    assert invalid.status_code == 200
    assert not AuditEntry.objects.filter(action="organization.created").exists()
