"""Two people editing one dossier: the second save is refused and keeps its input (page and API)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from thamvan.accounts.tokens import api_token_create
from thamvan.core.locking import CONFLICT_MESSAGE
from thamvan.dossiers.models import Dossier
from thamvan.dossiers.tests.factories import DossierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(orgs: Any) -> Dossier:
    return DossierFactory.create(code="QHPK-N9-2026", lead_agency=orgs.department)


def edit_url(dossier: Dossier) -> str:
    return reverse("dossiers:edit", args=[dossier.pk])


def posted(response: Any, **changes: Any) -> dict[str, Any]:
    """What the browser sends back: the form as displayed, with the user's changes."""
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields if name != "boundary_file"}
    data = {name: "" if value is None else value for name, value in data.items()}
    data.update(changes)
    return data


def test_the_second_of_two_concurrent_edits_gets_a_conflict_and_keeps_its_input(
    as_user: Any, officer: Any, admin_user: Any, dossier: Dossier
) -> None:
    first, second = as_user(officer), as_user(admin_user)
    first_page, second_page = first.get(edit_url(dossier)), second.get(edit_url(dossier))

    assert first.post(edit_url(dossier), posted(first_page, name="Tên mới")).status_code == 302
    clash = second.post(
        edit_url(dossier), posted(second_page, description="Mô tả của người thứ hai")
    )

    assert clash.status_code == 200
    assert clash.context["form"].non_field_errors() == [str(CONFLICT_MESSAGE)]
    assert "Mô tả của người thứ hai" in clash.text
    dossier.refresh_from_db()
    assert dossier.name == "Tên mới"
    assert dossier.description == "Hồ sơ quy hoạch dùng cho kiểm thử."
    assert dossier.lock_version == 1


def test_saving_again_after_the_warning_keeps_the_second_users_changes(
    as_user: Any, officer: Any, admin_user: Any, dossier: Dossier
) -> None:
    first, second = as_user(officer), as_user(admin_user)
    first_page, second_page = first.get(edit_url(dossier)), second.get(edit_url(dossier))
    first.post(edit_url(dossier), posted(first_page, name="Tên mới"))
    clash = second.post(edit_url(dossier), posted(second_page, description="Mô tả thứ hai"))

    retry = second.post(edit_url(dossier), posted(clash))

    assert retry.status_code == 302
    dossier.refresh_from_db()
    assert dossier.description == "Mô tả thứ hai"
    assert dossier.lock_version == 2


def test_an_edit_form_without_its_version_is_refused(
    as_user: Any, officer: Any, dossier: Dossier
) -> None:
    client = as_user(officer)
    data = posted(client.get(edit_url(dossier)), name="Tên mới")
    del data["lock_version"]
    response = client.post(edit_url(dossier), data)
    assert response.status_code == 200
    assert "lock_version" in response.context["form"].errors
    dossier.refresh_from_db()
    assert dossier.name != "Tên mới"


# --- API ----------------------------------------------------------------------------


def api(user: Any) -> Client:
    _token, raw = api_token_create(actor=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def api_url(dossier: Dossier) -> str:
    return f"/api/v1/dossiers/{dossier.pk}"


def test_the_api_answers_409_to_a_stale_lock_version_and_saves_nothing(
    officer: Any, dossier: Dossier
) -> None:
    client = api(officer)
    read = client.get(api_url(dossier)).json()
    assert read["lock_version"] == 0
    assert (
        client.patch(
            api_url(dossier),
            {"name": "Lần một", "lock_version": 0},
            content_type="application/json",
        ).status_code
        == 200
    )

    translation.activate("en")
    stale = client.patch(
        api_url(dossier), {"name": "Lần hai", "lock_version": 0}, content_type="application/json"
    )

    assert stale.status_code == 409
    assert stale.json() == {"detail": str(CONFLICT_MESSAGE), "code": "edit_conflict"}
    dossier.refresh_from_db()
    assert (dossier.name, dossier.lock_version) == ("Lần một", 1)


def test_the_api_saves_with_the_current_lock_version_or_without_one(
    officer: Any, dossier: Dossier
) -> None:
    client = api(officer)
    saved = client.patch(
        api_url(dossier), {"name": "Lần một", "lock_version": 0}, content_type="application/json"
    )
    assert saved.status_code == 200
    assert saved.json()["lock_version"] == 1
    # Without a lock_version the change is saved as before, and still moves the version on.
    unlocked = client.patch(api_url(dossier), {"name": "Lần hai"}, content_type="application/json")
    assert unlocked.status_code == 200
    assert unlocked.json()["lock_version"] == 2


def test_an_api_change_makes_an_open_edit_form_conflict(
    as_user: Any, officer: Any, dossier: Dossier
) -> None:
    page_client = as_user(officer)
    page = page_client.get(edit_url(dossier))
    api(officer).patch(api_url(dossier), {"stage": "appraisal"}, content_type="application/json")

    response = page_client.post(edit_url(dossier), posted(page, name="Tên từ trang"))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(CONFLICT_MESSAGE)]
    dossier.refresh_from_db()
    assert dossier.stage == Dossier.Stage.APPRAISAL


def test_a_forbidden_persona_gets_no_409_hint(other_officer: Any, dossier: Dossier) -> None:
    response = api(other_officer).patch(
        api_url(dossier), {"name": "X", "lock_version": 5}, content_type="application/json"
    )
    assert response.status_code in (403, 404)
    dossier.refresh_from_db()
    assert dossier.lock_version == 0


def test_the_openapi_document_declares_the_409(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    patch = schema["paths"]["/api/v1/dossiers/{dossier_id}"]["patch"]
    assert "409" in patch["responses"]
    properties = schema["components"]["schemas"]["DossierPatch"]["properties"]
    assert "lock_version" in properties
