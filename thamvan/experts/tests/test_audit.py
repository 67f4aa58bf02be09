"""What the expert registry writes to the audit log: changes, imports, exports, refusals."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from thamvan.accounts.tokens import api_token_create
from thamvan.audit.models import AuditEntry
from thamvan.audit.services import Action
from thamvan.core.tests.samples import as_upload, xlsx_bytes
from thamvan.experts.importing import COLUMNS
from thamvan.experts.models import Expert, ExpertImport
from thamvan.experts.services import expert_import_apply, expert_import_upload
from thamvan.experts.tests.factories import AffiliationFactory, ExpertFactory
from thamvan.experts.tests.test_expert_form_views import expert_data, formset_data

pytestmark = pytest.mark.django_db


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_adding_an_expert_with_an_affiliation_is_audited(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    row = {
        "organization": orgs.consultant.pk,
        "position": "Kiến trúc sư",
        "start_date": "01/02/2020",
    }
    response = as_user(secretariat).post(
        reverse("experts:create"), expert_data(**formset_data("affiliations", [row]))
    )
    assert response.status_code == 302
    expert = Expert.objects.get(membership_number="HV-1234")
    [created] = entries("expert.created")
    assert (created.actor, created.target_id) == (secretariat, str(expert.pk))
    [affiliations] = entries("expert.affiliations_changed")
    assert f'"organization":{orgs.consultant.pk}' in affiliations.data
    assert '"start_date":"2020-02-01"' in affiliations.data


def test_ending_an_affiliation_on_the_own_profile_is_audited(
    as_user: Any, expert_user: Any, expert: Expert
) -> None:
    affiliation = AffiliationFactory.create(expert=expert, start_date=date(2010, 1, 1))
    row = {
        "id": affiliation.pk,
        "organization": affiliation.organization_id,
        "position": affiliation.position,
        "start_date": "01/01/2010",
        "end_date": "31/12/2025",
    }
    data = {
        "email": expert.email,
        "phone": expert.phone,
        "keywords": "",
        "biography": "",
        "publications": "",
        "lock_version": "0",
        **formset_data("affiliations", [row], initial=1),
        **formset_data("unavailable", []),
    }
    response = as_user(expert_user).post(reverse("experts:me_edit"), data)
    assert response.status_code == 302
    [profile] = entries("expert.profile_updated")
    assert profile.actor == expert_user
    [changed] = entries("expert.affiliations_changed")
    assert '"end_date":"2025-12-31"' in changed.data


def test_a_conflicting_save_writes_no_entry(as_user: Any, secretariat: Any, expert: Expert) -> None:
    data = expert_data(full_name="Trần Quốc Bảo", membership_number="HV-0001", lock_version="7")
    response = as_user(secretariat).post(reverse("experts:edit", args=[expert.pk]), data)
    assert response.status_code == 200
    assert not entries("expert.updated")


def test_committing_an_import_is_audited_in_its_transaction(secretariat: Any) -> None:
    headers = [column.header for column in COLUMNS]
    cells = ["Nguyễn Văn An" if column.key == "full_name" else "" for column in COLUMNS]
    record = expert_import_upload(
        actor=secretariat, upload=as_upload(xlsx_bytes([headers, cells]), "a.xlsx")
    )
    expert_import_apply(actor=secretariat, expert_import=record)
    record.refresh_from_db()
    assert record.status == ExpertImport.Status.COMMITTED
    [entry] = entries("expert_import.committed")
    assert (entry.actor, entry.target_id) == (secretariat, str(record.pk))
    assert '"created":1' in entry.data


def test_a_failed_import_is_not_logged_as_committed(secretariat: Any) -> None:
    headers = [column.header for column in COLUMNS]
    cells = ["Nguyễn Văn An" if column.key == "full_name" else "" for column in COLUMNS]
    record = expert_import_upload(
        actor=secretariat, upload=as_upload(xlsx_bytes([headers, cells]), "a.xlsx")
    )
    # The kept file is gone when the import runs: nothing is imported.
    default_storage.delete(record.file_key)
    expert_import_apply(actor=secretariat, expert_import=record)
    record.refresh_from_db()
    assert record.status == ExpertImport.Status.FAILED
    assert not entries("expert_import.committed")


@pytest.mark.parametrize("persona", ["secretariat", "leadership"])
def test_the_registry_export_is_audited_with_its_rows_and_filters(
    request: pytest.FixtureRequest, as_user: Any, persona: str
) -> None:
    ExpertFactory.create_batch(3)
    user = request.getfixturevalue(persona)
    response = as_user(user).get(reverse("experts:export"), {"q": "", "active": "yes"})
    assert response.status_code == 200
    [entry] = entries(Action.EXPORT)
    assert entry.actor == user
    assert entry.target_type == "experts.expert"
    assert '"rows":3' in entry.data
    assert '"active":["yes"]' in entry.data


def test_a_refused_export_is_not_logged_as_an_export(as_user: Any, expert_user: Any) -> None:
    assert as_user(expert_user).get(reverse("experts:export")).status_code == 403
    assert not entries(Action.EXPORT)


# --- refused access ------------------------------------------------------------------


def test_an_expert_asking_for_another_profile_is_logged(
    as_user: Any, expert_user: Any, other_expert: Expert
) -> None:
    response = as_user(expert_user).get(reverse("experts:detail", args=[other_expert.pk]))
    assert response.status_code == 404
    [entry] = entries(Action.ACCESS_DENIED)
    assert (entry.actor, entry.target_type, entry.target_id) == (
        expert_user,
        "experts.expert",
        str(other_expert.pk),
    )


def test_the_owner_reads_their_profile_without_a_refusal(
    as_user: Any, expert_user: Any, expert: Expert
) -> None:
    assert as_user(expert_user).get(reverse("experts:detail", args=[expert.pk])).status_code == 200
    assert not entries(Action.ACCESS_DENIED)


def test_leadership_opening_the_edit_form_is_logged(
    as_user: Any, leadership: Any, expert: Expert
) -> None:
    assert as_user(leadership).get(reverse("experts:edit", args=[expert.pk])).status_code == 404
    [entry] = entries(Action.ACCESS_DENIED)
    assert entry.target_id == str(expert.pk)


def test_the_api_refusal_of_a_profile_is_logged(other_expert_user: Any, expert: Expert) -> None:
    _token, raw = api_token_create(actor=other_expert_user, name="tests")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get(f"/api/v1/experts/{expert.pk}").status_code == 404
    [entry] = entries(Action.ACCESS_DENIED)
    assert (entry.actor, entry.target_id) == (other_expert_user, str(expert.pk))
