import csv
import io

import pytest
from django.urls import reverse

from thamvan import audit
from thamvan.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_admin(admin_user):
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    return admin_user


@pytest.fixture
def entries(secretariat, orgs):
    audit.record(actor=secretariat, action="login.succeeded")
    audit.record(actor=secretariat, action="organization.update", target=orgs.city)
    return audit.record(actor=None, action="login.failed", data={"email": "=cmd|calc"})


def test_admins_browse_the_log_with_filters(as_user, staff_admin, entries):
    url = reverse("admin:audit_auditentry_changelist")
    response = as_user(staff_admin).get(url, {"action": "login.failed"})
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [entries]


def test_other_users_cannot_open_the_log(as_user, secretariat, entries):
    response = as_user(secretariat).get(reverse("admin:audit_auditentry_changelist"))
    assert response.status_code == 404


def test_the_admin_offers_no_way_to_change_or_delete(as_user, staff_admin, entries):
    client = as_user(staff_admin)
    change = reverse("admin:audit_auditentry_change", args=[entries.pk])
    assert client.post(change, {"action": "tampered"}).status_code == 403
    delete = reverse("admin:audit_auditentry_delete", args=[entries.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert AuditEntry.objects.get(pk=entries.pk).action == "login.failed"


def test_csv_export_is_audited_and_defuses_formulas(as_user, staff_admin, entries):
    response = as_user(staff_admin).post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "export_csv", "_selected_action": [1, 2, 3]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["id", "created_at", "actor_label", "action"]
    assert [row[3] for row in rows[1:]] == [
        "login.succeeded",
        "organization.update",
        "login.failed",
    ]
    assert rows[3][8] == '{"email":"=cmd|calc"}'
    export = AuditEntry.objects.get(action="data.export")
    assert export.actor == staff_admin
    assert export.details == {"what": "audit_entries", "count": 3}


def test_csv_cells_that_start_like_a_formula_are_quoted(as_user, staff_admin):
    from thamvan.organizations.tests.factories import OrganizationFactory

    trap = OrganizationFactory(name='=HYPERLINK("http://evil.example")')
    entry = audit.record(actor=None, action="organization.update", target=trap)
    response = as_user(staff_admin).post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "export_csv", "_selected_action": [entry.pk]},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][6] == "'" + '=HYPERLINK("http://evil.example")'
