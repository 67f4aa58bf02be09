"""Two people editing one registry record: the second save is refused and keeps its input.

Covers the expert (secretariat form and own-profile form), its affiliation and
unavailability rows, the specialty taxonomy and the import.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from thamvan.core.locking import CONFLICT_MESSAGE, save_with_lock
from thamvan.core.tests.samples import as_upload, xlsx_bytes
from thamvan.experts.importing import COLUMNS
from thamvan.experts.models import Affiliation, Expert, Specialty, UnavailablePeriod
from thamvan.experts.services import expert_import_apply, expert_import_upload
from thamvan.experts.tests.factories import AffiliationFactory, UnavailablePeriodFactory

pytestmark = pytest.mark.django_db

ME_EDIT = reverse("experts:me_edit")


def edit_url(expert: Expert) -> str:
    return reverse("experts:edit", args=[expert.pk])


def _field_values(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        key = form.add_prefix(name)
        if value is True:
            data[key] = "on"
        elif value is False or value is None:
            if name not in ("DELETE", "is_active"):
                data[key] = ""
        elif isinstance(value, date):
            data[key] = value.strftime("%d/%m/%Y")
        elif isinstance(value, list):
            data[key] = [str(item) for item in value]
        else:
            data[key] = str(value)
    return data


def posted(response: Any, **changes: Any) -> dict[str, Any]:
    """What the browser sends back: the page's form and formsets, with the user's changes."""
    context = response.context
    data = _field_values(context["form"])
    for formset in (context["affiliations"], context["unavailable"]):
        data.update(_field_values(formset.management_form))
        for form in formset.forms:
            data.update(_field_values(form))
    data.update(changes)
    return data


def assert_conflict(response: Any) -> None:
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(CONFLICT_MESSAGE)]


# --- the secretariat's form ------------------------------------------------------------


def test_the_second_of_two_concurrent_edits_gets_a_conflict_and_keeps_its_input(
    as_user: Any, secretariat: Any, admin_user: Any, expert: Expert
) -> None:
    first, second = as_user(secretariat), as_user(admin_user)
    first_page, second_page = first.get(edit_url(expert)), second.get(edit_url(expert))

    assert (
        first.post(edit_url(expert), posted(first_page, phone="024 1111 2222")).status_code == 302
    )
    clash = second.post(edit_url(expert), posted(second_page, biography="Tiểu sử thứ hai"))

    assert_conflict(clash)
    assert "Tiểu sử thứ hai" in clash.text
    expert.refresh_from_db()
    assert expert.phone == "024 1111 2222"
    assert expert.biography != "Tiểu sử thứ hai"
    assert expert.lock_version == 1

    # Saving again after the warning deliberately keeps the second user's form.
    retry = second.post(edit_url(expert), posted(clash))
    assert retry.status_code == 302
    expert.refresh_from_db()
    assert (expert.biography, expert.lock_version) == ("Tiểu sử thứ hai", 2)


def test_an_affiliation_changed_meanwhile_refuses_the_whole_page(
    as_user: Any, secretariat: Any, expert: Expert
) -> None:
    affiliation = AffiliationFactory.create(expert=expert, start_date=date(2010, 1, 1))
    client = as_user(secretariat)
    page = client.get(edit_url(expert))
    affiliation.position = "Trưởng phòng"
    save_with_lock(affiliation, expected_version=0)

    clash = client.post(
        edit_url(expert),
        posted(page, **{"affiliations-0-position": "Cố vấn", "phone": "0900 111 222"}),
    )

    assert_conflict(clash)
    affiliation.refresh_from_db()
    expert.refresh_from_db()
    assert affiliation.position == "Trưởng phòng"
    # Nothing of the page was saved, not even the fields of the record itself.
    assert expert.phone != "0900 111 222"
    retry = client.post(edit_url(expert), posted(clash))
    assert retry.status_code == 302
    affiliation.refresh_from_db()
    assert affiliation.position == "Cố vấn"


def test_removing_a_row_changed_meanwhile_is_a_conflict(
    as_user: Any, secretariat: Any, expert: Expert
) -> None:
    period = UnavailablePeriodFactory.create(expert=expert)
    client = as_user(secretariat)
    page = client.get(edit_url(expert))
    period.reason = "Ốm"
    save_with_lock(period, expected_version=0)

    clash = client.post(edit_url(expert), posted(page, **{"unavailable-0-DELETE": "on"}))

    assert_conflict(clash)
    assert UnavailablePeriod.objects.filter(pk=period.pk).exists()


# --- the expert's own form ---------------------------------------------------------------


def test_the_expert_and_the_secretariat_editing_at_once_do_not_overwrite_each_other(
    as_user: Any, secretariat: Any, expert_user: Any, expert: Expert
) -> None:
    own, registry = as_user(expert_user), as_user(secretariat)
    own_page = own.get(ME_EDIT)
    registry_page = registry.get(edit_url(expert))

    assert (
        registry.post(edit_url(expert), posted(registry_page, academic_rank="GS")).status_code
        == 302
    )
    clash = own.post(ME_EDIT, posted(own_page, keywords="đường sắt đô thị"))

    assert_conflict(clash)
    assert "đường sắt đô thị" in clash.text
    expert.refresh_from_db()
    assert expert.academic_rank == "GS"
    assert expert.keywords != "đường sắt đô thị"


def test_an_import_that_updates_the_expert_makes_an_open_form_conflict(
    as_user: Any, secretariat: Any, expert: Expert
) -> None:
    client = as_user(secretariat)
    page = client.get(edit_url(expert))
    headers = [column.header for column in COLUMNS]
    row = {"full_name": "Trần Quốc Bảo", "membership_number": "HV-0001", "keywords": "cảng"}
    cells = [row.get(column.key, "") for column in COLUMNS]
    record = expert_import_upload(
        actor=secretariat, upload=as_upload(xlsx_bytes([headers, cells]), "a.xlsx")
    )
    expert_import_apply(actor=secretariat, expert_import=record)
    expert.refresh_from_db()
    assert expert.keywords == "cảng"

    clash = client.post(edit_url(expert), posted(page, phone="0900 000 999"))

    assert_conflict(clash)


# --- specialties --------------------------------------------------------------------------


def specialty_edit_url(specialty: Specialty) -> str:
    return reverse("experts:specialty_edit", args=[specialty.pk])


def specialty_data(response: Any, **changes: Any) -> dict[str, Any]:
    data = _field_values(response.context["form"])
    data.pop("slug", None)  # disabled once created
    data.update(changes)
    return data


def test_two_concurrent_specialty_edits_conflict_and_keep_the_input(
    as_user: Any, secretariat: Any, admin_user: Any
) -> None:
    specialty = Specialty.objects.get(slug="giao-thong")
    first, second = as_user(secretariat), as_user(admin_user)
    url = specialty_edit_url(specialty)
    first_page, second_page = first.get(url), second.get(url)

    assert first.post(url, specialty_data(first_page, name="Giao thông vận tải")).status_code == 302
    clash = second.post(url, specialty_data(second_page, description="Mô tả mới"))

    assert_conflict(clash)
    assert "Mô tả mới" in clash.text
    specialty.refresh_from_db()
    assert (specialty.name, specialty.lock_version) == ("Giao thông vận tải", 1)
    assert specialty.description != "Mô tả mới"


def test_switching_a_specialty_off_makes_an_open_form_conflict(
    as_user: Any, secretariat: Any, admin_user: Any
) -> None:
    specialty = Specialty.objects.get(slug="giao-thong")
    url = specialty_edit_url(specialty)
    page = as_user(admin_user).get(url)
    as_user(secretariat).post(reverse("experts:specialty_toggle", args=[specialty.pk]))

    clash = as_user(admin_user).post(url, specialty_data(page, display_order="7"))

    assert_conflict(clash)
    specialty.refresh_from_db()
    assert not specialty.is_active


def test_the_rows_carry_their_versions() -> None:
    for model in (Expert, Affiliation, UnavailablePeriod, Specialty):
        assert model._meta.get_field("lock_version").default == 0


def test_an_admin_change_to_an_affiliation_moves_its_version_on(
    as_user: Any, admin_user: Any, expert: Expert
) -> None:
    affiliation = AffiliationFactory.create(expert=expert, start_date=date(2010, 1, 1))
    response = as_user(admin_user).post(
        reverse("admin:experts_affiliation_change", args=[affiliation.pk]),
        {
            "expert": expert.pk,
            "organization": affiliation.organization_id,
            "position": "Cố vấn",
            "start_date": "2010-01-01",
            "end_date": "",
            "lock_version": "0",
        },
    )
    assert response.status_code == 302
    affiliation.refresh_from_db()
    assert (affiliation.position, affiliation.lock_version) == ("Cố vấn", 1)


def test_an_affiliation_row_of_the_expert_admin_changed_meanwhile_is_refused(
    as_user: Any, admin_user: Any, expert: Expert
) -> None:
    affiliation = AffiliationFactory.create(expert=expert, start_date=date(2010, 1, 1))
    client = as_user(admin_user)
    url = reverse("admin:experts_expert_change", args=[expert.pk])
    page = client.get(url)
    assert 'name="affiliations-0-lock_version"' in page.text
    assert 'type="hidden" name="lock_version"' in page.text
    data = _admin_page_data(page)
    affiliation.position = "Trưởng phòng"
    save_with_lock(affiliation, expected_version=0)

    data["affiliations-0-position"] = "Cố vấn"
    clash = client.post(url, data)

    assert clash.status_code == 200
    affiliation.refresh_from_db()
    assert affiliation.position == "Trưởng phòng"
    assert str(CONFLICT_MESSAGE) in clash.text


def _admin_page_data(response: Any) -> dict[str, Any]:
    """The admin change page as its browser would post it back."""
    data = _field_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_field_values(formset.management_form))
        for form in formset.forms:
            data.update(_field_values(form))
    return {k: v.strftime("%Y-%m-%d") if isinstance(v, date) else v for k, v in data.items()}


def test_deleting_an_affiliation_row_changed_meanwhile_is_refused(
    as_user: Any, admin_user: Any, expert: Expert
) -> None:
    affiliation = AffiliationFactory.create(expert=expert, start_date=date(2010, 1, 1))
    client = as_user(admin_user)
    url = reverse("admin:experts_expert_change", args=[expert.pk])
    stale = _admin_page_data(client.get(url))
    affiliation.position = "Trưởng phòng"
    save_with_lock(affiliation, expected_version=0)

    stale["affiliations-0-DELETE"] = "on"
    clash = client.post(url, stale)
    assert clash.status_code == 200
    assert str(CONFLICT_MESSAGE) in clash.text
    assert Affiliation.objects.filter(pk=affiliation.pk).exists()

    # Once the page shows the current version, the deletion goes through.
    fresh = _admin_page_data(client.get(url))
    fresh["affiliations-0-DELETE"] = "on"
    assert client.post(url, fresh).status_code == 302
    assert not Affiliation.objects.filter(pk=affiliation.pk).exists()
