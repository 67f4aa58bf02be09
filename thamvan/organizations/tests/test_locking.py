import pytest
from django.urls import reverse

from thamvan.core.locking import CONFLICT_MESSAGE, EditConflict, save_with_lock

pytestmark = pytest.mark.django_db


def _form_data(response, **changes):
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(changes)
    if data.get("is_active") in (True, "True"):
        data["is_active"] = "on"
    return data


def test_the_second_of_two_concurrent_edits_gets_a_conflict_and_keeps_its_input(
    as_user, secretariat, admin_user, orgs
):
    url = reverse("organizations:edit", args=[orgs.department.pk])
    first, second = as_user(secretariat), as_user(admin_user)
    first_form = first.get(url)
    second_form = second.get(url)

    saved = first.post(url, _form_data(first_form, phone="024 3825 1234"))
    assert saved.status_code == 302

    clash = second.post(url, _form_data(second_form, address="31B Tràng Thi, Hoàn Kiếm"))
    assert clash.status_code == 200
    assert clash.context["form"].non_field_errors() == [str(CONFLICT_MESSAGE)]
    assert 'value="31B Tràng Thi, Hoàn Kiếm"' in clash.content.decode()
    orgs.department.refresh_from_db()
    assert orgs.department.phone == "024 3825 1234"
    assert orgs.department.address == ""
    assert orgs.department.lock_version == 1


def test_saving_again_after_the_warning_keeps_the_second_users_changes(
    as_user, secretariat, admin_user, orgs
):
    url = reverse("organizations:edit", args=[orgs.department.pk])
    first, second = as_user(secretariat), as_user(admin_user)
    first_form, second_form = first.get(url), second.get(url)
    first.post(url, _form_data(first_form, phone="024 3825 1234"))
    clash = second.post(url, _form_data(second_form, address="31B Tràng Thi"))
    retry = second.post(url, _form_data(clash))
    assert retry.status_code == 302
    orgs.department.refresh_from_db()
    assert orgs.department.address == "31B Tràng Thi"
    assert orgs.department.lock_version == 2


def test_a_form_without_its_version_is_refused(as_user, secretariat, orgs):
    url = reverse("organizations:edit", args=[orgs.department.pk])
    data = _form_data(as_user(secretariat).get(url), name="Sở mới")
    del data["lock_version"]
    response = as_user(secretariat).post(url, data)
    assert response.status_code == 200
    orgs.department.refresh_from_db()
    assert orgs.department.name == "Sở Quy hoạch - Kiến trúc Hà Nội"


def test_save_with_lock_refuses_a_stale_version(orgs):
    stale = type(orgs.city).objects.get(pk=orgs.city.pk)
    save_with_lock(orgs.city, expected_version=0)
    stale.name = "Tên cũ"
    with pytest.raises(EditConflict) as caught:
        save_with_lock(stale, expected_version=0)
    assert caught.value.current_version == 1
