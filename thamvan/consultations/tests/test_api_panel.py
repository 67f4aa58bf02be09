"""The panel over the API: candidates, invitations sent, resent and revoked, with the
same rules as the panel page (``test_panel_rules``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from thamvan.accounts.tests.factories import UserFactory
from thamvan.audit.models import AuditEntry
from thamvan.consultations import lifecycle
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation, Invitation, Opinion, Transition
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.tests.conftest import World
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.consultations.tests.test_lifecycle_agreement import SCENARIOS, _build
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import AffiliationFactory, ExpertFactory
from thamvan.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(orgs: Any, officer: Any, secretariat: Any) -> Any:
    dossier = DossierFactory.create(
        lead_agency=orgs.department, preparing_consultant=orgs.consultant, name="Khu đô thị N9"
    )
    consultation = ConsultationFactory.create(
        dossier=dossier, association=orgs.association, panel_size=3
    )
    return advance(consultation, "accepted", officer=officer, secretariat=secretariat)


@pytest.fixture
def pending(consultation: Any, secretariat: Any, expert_user: Any) -> Invitation:
    """The expert persona, invited and not yet answering."""
    expert = ExpertFactory.create(user=expert_user, full_name="Trần Quốc Bảo")
    (invitation,) = panel_services.invitations_send(
        actor=secretariat, consultation=consultation, picks=[panel_services.Pick(expert=expert)]
    )
    return invitation


def _base(consultation: Any) -> str:
    return f"/api/v1/consultations/{consultation.pk}"


def _footprint(consultation: Any) -> tuple[list[tuple[int, str]], int, int, int]:
    return (
        sorted(
            Invitation.objects.filter(consultation=consultation).values_list("expert_id", "state")
        ),
        Transition.objects.filter(consultation=consultation).count(),
        AuditEntry.objects.exclude(action="access.denied").count(),
        Notification.objects.count(),
    )


def _call(client: Client, endpoint: str, consultation: Any, invitation: Invitation, new: Any):
    base = _base(consultation)
    if endpoint == "candidates":
        return client.get(f"{base}/candidates")
    if endpoint == "invite":
        return client.post(
            f"{base}/invitations",
            {"expert_id": new.pk, "override_reason": "Lý do."},
            content_type="application/json",
        )
    if endpoint == "resend":
        return client.post(f"{base}/invitations/{invitation.pk}/resend")
    return client.post(
        f"{base}/invitations/{invitation.pk}/revoke",
        {"reason": "Đổi chuyên ngành"},
        content_type="application/json",
    )


# The agency and leadership read the consultation but may not form its panel (403);
# the others may not read it at all (404, as for a consultation that does not exist).
REFUSED = {
    "officer": 403,
    "leadership": 403,
    "other_officer": 404,
    "other_expert_user": 404,
    "outsider": 404,
}
ALLOWED = {"candidates": 200, "invite": 201, "resend": 200, "revoke": 200}


@pytest.mark.parametrize("endpoint", list(ALLOWED))
def test_panel_endpoints_are_the_secretariats_and_refused_to_everyone_else(
    endpoint: str,
    consultation: Any,
    pending: Invitation,
    secretariat: Any,
    request: pytest.FixtureRequest,
    api_client: Callable[[Any], Client],
) -> None:
    new = ExpertFactory.create(full_name="Lê Văn Mới")
    for name, status in REFUSED.items():
        before = _footprint(consultation)
        response = _call(
            api_client(request.getfixturevalue(name)), endpoint, consultation, pending, new
        )
        assert response.status_code == status, (name, response.content)
        assert _footprint(consultation) == before, name
    response = _call(api_client(secretariat), endpoint, consultation, pending, new)
    assert response.status_code == ALLOWED[endpoint], response.content
    if endpoint == "invite":
        assert response.json()["expert_id"] == new.pk
    elif endpoint == "revoke":
        assert response.json()["state"] == "revoked"
        assert response.json()["revoke_reason"] == "Đổi chuyên ngành"


def test_a_conflicted_expert_is_marked_and_refused_naming_the_conflict(
    consultation: Any, orgs: Any, secretariat: Any, api_client: Callable[[Any], Client]
) -> None:
    conflicted = ExpertFactory.create(full_name="Nguyễn Văn Tư Vấn")
    AffiliationFactory.create(
        expert=conflicted, organization=orgs.consultant, start_date=date(2019, 3, 1)
    )
    client = api_client(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the site ignores Accept-Language
    candidates = client.get(f"{_base(consultation)}/candidates").json()
    (row,) = [c for c in candidates["excluded"] if c["expert_id"] == conflicted.pk]
    assert row["selectable"] is False
    assert row["conflicts"] == [
        "works at the planning consultant (Viện Quy hoạch Xây dựng Hà Nội) since 2019"
    ]
    assert conflicted.pk not in [c["expert_id"] for c in candidates["ranked"]]

    before = _footprint(consultation)
    response = client.post(
        f"{_base(consultation)}/invitations",
        {"expert_id": conflicted.pk, "override_reason": "Rất cần chuyên gia này"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "conflict"
    assert "Viện Quy hoạch Xây dựng Hà Nội) since 2019" in str(response.json()["detail"])
    assert _footprint(consultation) == before


def test_a_soft_rule_needs_a_reason_which_the_invitation_keeps(
    consultation: Any, secretariat: Any, api_client: Callable[[Any], Client]
) -> None:
    consultation.panel_size = 1
    consultation.save(update_fields=["panel_size"])
    for name in ("Đỗ Văn An", "Phạm Thị Bình"):
        ExpertFactory.create(full_name=name, specialties=["giao-thong"])
    client = api_client(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the site ignores Accept-Language
    candidates = client.get(f"{_base(consultation)}/candidates").json()
    (other,) = [c for c in candidates["ranked"] if not c["suggested"]]
    url = f"{_base(consultation)}/invitations"
    refused = client.post(
        url,
        {"expert_id": other["expert_id"]},
        content_type="application/json",
    )
    assert refused.status_code == 422 and refused.json()["code"] == "override_reason"
    assert "not in the suggested panel" in str(refused.json()["detail"])
    assert not Invitation.objects.exists()
    created = client.post(
        url,
        {"expert_id": other["expert_id"], "override_reason": "Am hiểu khu vực"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["override_reason"] == "Am hiểu khu vực"
    assert [r["rule"] for r in body["overridden_rules"]] == ["outside_recommendation"]
    assert body["recommended"] is False


def test_resend_notifies_again_without_moving_the_answer_date_and_revoke_tells_the_expert(
    consultation: Any,
    pending: Invitation,
    secretariat: Any,
    expert_user: Any,
    api_client: Callable[[Any], Client],
) -> None:
    client = api_client(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the site ignores Accept-Language
    base = f"{_base(consultation)}/invitations/{pending.pk}"
    resent = client.post(f"{base}/resend")
    assert resent.status_code == 200
    assert pending.respond_by is not None
    assert resent.json()["respond_by"] == pending.respond_by.isoformat()
    assert Notification.objects.filter(recipient=expert_user, kind="invitation").count() == 2
    no_reason = client.post(f"{base}/revoke", {"reason": " "}, content_type="application/json")
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason"
    assert (
        client.post(
            f"{base}/revoke", {"reason": "Trùng lịch"}, content_type="application/json"
        ).status_code
        == 200
    )
    assert Notification.objects.filter(recipient=expert_user, kind="invitation_revoked").exists()
    # A revoked invitation is neither sent again nor revoked twice.
    assert client.post(f"{base}/resend").json()["code"] == "not_pending"
    again = client.post(f"{base}/revoke", {"reason": "Lần nữa"}, content_type="application/json")
    assert again.status_code == 422 and again.json()["code"] == "not_revocable"
    # Its entry names the expert: the agency's timeline keeps the event, not the name.
    assert AuditEntry.objects.filter(action="invitation.revoke").count() == 1


def test_the_candidates_endpoint_reads_a_bounded_number_of_queries(
    consultation: Any, orgs: Any, secretariat: Any, api_client: Callable[[Any], Client]
) -> None:
    client = api_client(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the site ignores Accept-Language
    url = f"{_base(consultation)}/candidates?limit=100"

    def add_experts(n: int) -> int:
        for _ in range(n):
            expert = ExpertFactory.create(specialties=["giao-thong"])
            AffiliationFactory.create(expert=expert)
        AffiliationFactory.create(expert=ExpertFactory.create(), organization=orgs.consultant)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    # The first request of a token also records its use; measure from the second on.
    client.get(url)
    few = add_experts(3)
    assert add_experts(40) == few
    assert few <= 40


def test_candidates_are_filtered_and_sorted_as_on_the_page_with_their_history(
    consultation: Any, orgs: Any, secretariat: Any, api_client: Callable[[Any], Client]
) -> None:
    client = api_client(secretariat)
    base = f"{_base(consultation)}/candidates"
    # Ranked Bình, Lan, An (equal scores: by id); by name An, Bình, Lan; by on-time share
    # Lan (1/1), Bình (0/1), An (none).
    binh = ExpertFactory.create(full_name="Lê Văn Bình", specialties=["kien-truc"])
    lan = ExpertFactory.create(full_name="Vũ Thị Lan", specialties=["kien-truc"])
    # No e-mail address, but an account reaches him; Ẩn has neither.
    an = ExpertFactory.create(
        full_name="Trần Văn An", email="", user=UserFactory.create(), specialties=["kien-truc"]
    )
    hidden = ExpertFactory.create(full_name="Hồ Văn Ẩn", email="", specialties=["kien-truc"])
    Expert.objects.filter(pk=an.pk).update(email="")
    past = ConsultationFactory.create(association=orgs.association, title="Vòng trước")
    Consultation.objects.filter(pk=past.pk).update(state="closed", deadline=date(2026, 3, 10))
    for expert, submitted in ((lan, datetime(2026, 3, 6, 2, tzinfo=UTC)), (binh, None)):
        Invitation.objects.create(
            consultation=past,
            expert=expert,
            state=Invitation.Status.ACCEPTED,
            responded_at=datetime(2026, 3, 2, 2, tzinfo=UTC),
        )
        Opinion.objects.create(
            consultation=past,
            expert=expert,
            state=Opinion.Status.SUBMITTED,
            submitted_at=submitted or datetime(2026, 3, 12, 2, tzinfo=UTC),
        )

    ranked = client.get(base, {"specialty": "kien-truc"}).json()
    assert [c["expert_id"] for c in ranked["ranked"]] == [binh.pk, lan.pk, an.pk]
    by_name = client.get(base, {"specialty": "kien-truc", "sort": "name"}).json()
    assert [c["expert_id"] for c in by_name["ranked"]] == [an.pk, binh.pk, lan.pk]
    assert by_name["ranked_count"] == 3
    (row,) = [c for c in by_name["ranked"] if c["expert_id"] == lan.pk]
    assert row["has_email"] is True and row["open_panels"] == 0
    assert row["history"] == {
        "panels_served": 1,
        "opinions_submitted": 1,
        "on_time": 1,
        "on_time_share": 1.0,
        "median_days_to_submit": 4.0,
        "declined": 0,
        "expired": 0,
        "last_panel": {"consultation_id": past.pk, "title": "Vòng trước", "joined": "2026-03-02"},
    }
    unreachable = client.get(base, {"has_email": "false"}).json()
    # An's account reaches him; Ẩn, reached by nothing, is never suggested.
    assert unreachable["ranked"] == []
    # Never suggested: excluded, and selectable with a reason.
    assert [c["expert_id"] for c in unreachable["excluded"]] == [hidden.pk]
    assert unreachable["excluded"][0]["selectable"] is True
    assert "no_email" in [w["rule"] for w in unreachable["excluded"][0]["warnings"]]
    assert unreachable["excluded"][0]["history"]["last_panel"] is None
    on_time = client.get(base, {"specialty": "kien-truc", "sort": "on_time"}).json()
    assert [c["expert_id"] for c in on_time["ranked"]] == [lan.pk, binh.pk, an.pk]
    for bad in ({"sort": "age"}, {"max_open_panels": "-1"}, {"rank": "XYZ"}):
        assert client.get(base, bad).status_code == 422, bad


# --- The panel actions of the lifecycle table, walked like its buttons -----------------

PANEL_ACTIONS = ("invite", "resend_invitation", "revoke_invitation")


def _by_service(user: Any, consultation: Any, action: str, pending: Invitation, new: Any) -> bool:
    try:
        if action == "invite":
            panel_services.invitations_send(
                actor=user,
                consultation=consultation,
                picks=[panel_services.Pick(expert=new, override_reason="Lý do.")],
            )
        elif action == "resend_invitation":
            panel_services.invitation_resend(actor=user, invitation=pending)
        else:
            panel_services.invitation_revoke(actor=user, invitation=pending, reason="Lý do.")
    except ConsultationError:
        return False
    return True


def _by_page(client: Client, consultation: Any, action: str, pending: Invitation, new: Any) -> bool:
    if action == "invite":
        url = reverse("consultations:panel", args=[consultation.pk])
        data = {"expert": [new.pk], f"override_{new.pk}": "Lý do."}
    else:
        name = "invitation_resend" if action == "resend_invitation" else "invitation_revoke"
        url = reverse(f"consultations:{name}", args=[consultation.pk, pending.pk])
        data = {"reason": "Lý do."}
    before = _footprint(consultation)
    response = client.post(url, data)
    assert response.status_code in (200, 302, 403, 404)
    return response.status_code == 302 and _footprint(consultation) != before


def _by_api(client: Client, consultation: Any, action: str, pending: Invitation, new: Any) -> bool:
    endpoint = {"invite": "invite", "resend_invitation": "resend"}.get(action, "revoke")
    response = _call(client, endpoint, consultation, pending, new)
    assert response.status_code in (200, 201, 403, 404, 422), response.content
    return response.status_code in (200, 201)


PANEL_EXPECTED = {
    ("invite", "accepted"),
    *((a, s) for a in PANEL_ACTIONS for s in ("panel_forming", "panel_forming_without_chair")),
    *((a, "in_review") for a in PANEL_ACTIONS),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("action", PANEL_ACTIONS)
def test_service_page_and_api_agree_on_the_panel_actions_of_the_lifecycle_table(
    action: str,
    scenario: str,
    world: World,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
    leadership: Any,
    admin_user: Any,
    outsider: Any,
    as_user: Callable[[Any], Client],
    api_client: Callable[[Any], Client],
) -> None:
    users = {
        "secretariat": secretariat,
        "admin_user": admin_user,
        "officer": officer,
        "other_officer": other_officer,
        "chair": expert_user,
        "member": other_expert_user,
        "leadership": leadership,
        "outsider": outsider,
    }
    _build(scenario, world, officer, secretariat)
    # An expert without an account awaiting an answer, and one free to invite.
    pending = Invitation.objects.create(
        consultation=world.consultation, expert=ExpertFactory.create(full_name="Ngô Chờ Đợi")
    )
    new = ExpertFactory.create(full_name="Lý Văn Mới")
    allowed_by = []
    for name, user in users.items():
        consultation = Consultation.objects.get(pk=world.consultation.pk)
        expected = lifecycle.can(action, user, consultation)
        if expected:
            allowed_by.append(name)
        for channel in ("service", "page", "api"):
            # Each attempt runs in a savepoint rolled back after it, on fresh objects.
            with transaction.atomic():
                fresh = Consultation.objects.get(pk=consultation.pk)
                invitation = Invitation.objects.select_related("expert").get(pk=pending.pk)
                before = _footprint(fresh)
                if channel == "service":
                    done = _by_service(user, fresh, action, invitation, new)
                elif channel == "page":
                    done = _by_page(as_user(user), fresh, action, invitation, new)
                else:
                    done = _by_api(api_client(user), fresh, action, invitation, new)
                after = _footprint(fresh)
                transaction.set_rollback(True)
            where = f"{action} in {scenario} by {name} through the {channel}"
            assert done == expected, where
            assert (after != before) == expected, where
    expected_actors = ["secretariat", "admin_user"] if (action, scenario) in PANEL_EXPECTED else []
    assert allowed_by == expected_actors
