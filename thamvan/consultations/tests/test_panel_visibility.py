"""Who sees the names of a panel, on the pages and through the API, before and after the
report (``access.invitations_visible_to`` and ``access.timeline_visible_to``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from thamvan.accounts.models import Role
from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.consultations.models import Consultation, Invitation
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.tests.conftest import World
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/consultations"

# The panel: the chair and a member submit opinions, one member stays silent, one
# expert has not answered yet and one declined.
CHAIR, MEMBER, SILENT, PENDING, DECLINED = "chair", "member", "silent", "pending", "declined"
NAMES = {
    CHAIR: "Trần Quốc Bảo",
    MEMBER: "Lê Thị Mai",
    SILENT: "Đặng Minh Tuấn",
    PENDING: "Bùi Thanh Hương",
    DECLINED: "Phan Văn Tú",
}
WHOLE_PANEL = set(NAMES)
ACCEPTED = {CHAIR, MEMBER, SILENT}
# The issued report is signed by the chair and lists the submitted opinions' authors.
IN_THE_REPORT = {CHAIR, MEMBER}

BEFORE_REPORT = {
    "secretariat": WHOLE_PANEL,
    "admin_user": WHOLE_PANEL,
    CHAIR: ACCEPTED,
    MEMBER: {MEMBER},
    SILENT: {SILENT},
    PENDING: {PENDING},
    "officer": set(),
    "leadership": set(),
}
AFTER_REPORT = BEFORE_REPORT | {
    MEMBER: IN_THE_REPORT,
    SILENT: IN_THE_REPORT | {SILENT},
    "officer": IN_THE_REPORT,
    "leadership": IN_THE_REPORT,
}
# Neither reads the consultation: the ward leads nothing here, the expert is on no panel.
OUTSIDE = ("other_officer", "stranger")


@dataclass
class Panel:
    consultation: Consultation
    experts: dict[str, Expert]
    users: dict[str, Any]


def _expert_user(orgs: Any, name: str, email: str) -> Any:
    user = UserFactory.create(full_name=name, email=email)
    MembershipFactory.create(user=user, organization=orgs.association, role=Role.EXPERT)
    return user


def _submit(user: Any, consultation: Consultation) -> None:
    opinion = opinion_services.opinion_start(actor=user, consultation=consultation)
    opinion_services.opinion_save_draft(
        actor=user, opinion=opinion, lock_version=0, verdict="agree", summary="Nhất trí."
    )
    opinion_services.opinion_submit(actor=user, opinion=opinion, lock_version=1)


@pytest.fixture(params=["in_review", "reported"])
def panel(
    request: Any,
    world: World,
    orgs: Any,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    admin_user: Any,
    leadership: Any,
    expert_user: Any,
    other_expert_user: Any,
) -> Panel:
    """The consultation in review, or reported, with the panel described above."""
    users = {
        CHAIR: expert_user,
        MEMBER: other_expert_user,
        SILENT: _expert_user(orgs, NAMES[SILENT], "silent@example.vn"),
        PENDING: _expert_user(orgs, NAMES[PENDING], "pending@example.vn"),
        DECLINED: _expert_user(orgs, NAMES[DECLINED], "declined@example.vn"),
        "stranger": _expert_user(orgs, "Hồ Ngọc Lan", "stranger@example.vn"),
    }
    experts = {CHAIR: world.expert, MEMBER: world.other_expert}
    for key in (SILENT, PENDING, DECLINED, "stranger"):
        experts[key] = ExpertFactory.create(
            user=users[key], full_name=NAMES.get(key, "Hồ Ngọc Lan")
        )
    world.members = [(users[key], experts[key]) for key in (CHAIR, MEMBER, SILENT)]
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    late = panel_services.invitations_send(
        actor=secretariat,
        consultation=consultation,
        picks=[
            panel_services.Pick(expert=experts[PENDING]),
            panel_services.Pick(expert=experts[DECLINED]),
        ],
    )
    panel_services.invitation_decline(
        actor=users[DECLINED], invitation=late[1], reason="Bận công tác."
    )
    _submit(users[MEMBER], consultation)
    if request.param == "reported":
        consultation = world.advance("reported", officer=officer, secretariat=secretariat)
    users |= {
        "officer": officer,
        "other_officer": other_officer,
        "secretariat": secretariat,
        "admin_user": admin_user,
        "leadership": leadership,
    }
    return Panel(consultation, experts, users)


def _names_in(text: str) -> set[str]:
    return {key for key, name in NAMES.items() if name in text}


def _expected(panel: Panel, persona: str) -> set[str]:
    return (AFTER_REPORT if panel.consultation.has_report else BEFORE_REPORT)[persona]


@pytest.mark.parametrize("persona", list(BEFORE_REPORT))
def test_each_reader_sees_exactly_the_panel_names_the_rule_allows(
    panel: Panel, persona: str, as_user: Any, api_client: Any
) -> None:
    consultation, user = panel.consultation, panel.users[persona]
    expected = _expected(panel, persona)
    page = as_user(user).get(reverse("consultations:detail", args=[consultation.pk]))
    assert page.status_code == 200
    # The panel table, the opinions and the timeline together name no one else.
    assert _names_in(page.content.decode()) == expected

    api = api_client(user)
    invitations = api.get(f"{API}/{consultation.pk}/invitations").json()
    assert {i["expert_id"] for i in invitations} == {panel.experts[k].pk for k in expected}
    assert _names_in(" ".join(i["expert_name"] for i in invitations)) == expected
    detail = api.get(f"{API}/{consultation.pk}")
    assert detail.status_code == 200 and _names_in(detail.content.decode()) == set()
    for path in ("transitions", "opinions"):
        response = api.get(f"{API}/{consultation.pk}/{path}")
        assert response.status_code == 200
        assert _names_in(response.content.decode()) <= expected, path
    # One invitation by id answers as the list does.
    for key in WHOLE_PANEL:
        invitation = consultation.invitations.get(expert=panel.experts[key])
        status = api.get(f"{API}/{consultation.pk}/invitations/{invitation.pk}").status_code
        assert status == (200 if key in expected else 404), key


@pytest.mark.parametrize("persona", OUTSIDE)
def test_those_who_do_not_read_the_consultation_get_404_and_no_names(
    panel: Panel, persona: str, as_user: Any, api_client: Any
) -> None:
    consultation, user = panel.consultation, panel.users[persona]
    page = as_user(user).get(reverse("consultations:detail", args=[consultation.pk]))
    assert page.status_code == 404
    api = api_client(user)
    for suffix in ("", "/invitations", "/transitions"):
        response = api.get(f"{API}/{consultation.pk}{suffix}")
        assert response.status_code == 404 and _names_in(response.content.decode()) == set()


def test_the_timeline_names_the_panel_to_the_secretariat_only(
    panel: Panel, as_user: Any, api_client: Any
) -> None:
    consultation = panel.consultation
    url = f"{API}/{consultation.pk}/transitions"
    whole = api_client(panel.users["secretariat"]).get(url).json()
    # The last invitations sent were the pending and the declined expert's.
    invited = [t for t in whole if t["action"] == "invited"][-1]
    assert _names_in(invited["reason"]) == {PENDING, DECLINED}
    by_action = {t["action"]: t for t in whole}
    assert by_action["invitation_declined"]["reason"] == f"{NAMES[DECLINED]}: Bận công tác."
    assert by_action["chair"]["reason"] == panel.experts[CHAIR].titled_name

    timeline = api_client(panel.users["officer"]).get(url).json()
    # The officer still learns when the panel was formed and answered, not by whom.
    assert [t["action"] for t in timeline] == [t["action"] for t in whole]
    panel_events = [
        t for t in timeline if t["action"] in ("invited", "chair", "invitation_declined")
    ]
    assert panel_events and all(t["reason"] == "" for t in panel_events)
    assert all(t["actor_id"] != panel.users[DECLINED].pk for t in timeline)
    page = as_user(panel.users["officer"]).get(
        reverse("consultations:detail", args=[consultation.pk])
    )
    assert "Bận công tác." not in page.content.decode()


def test_the_detail_page_reads_a_large_panel_in_the_same_number_of_queries(
    world: World,
    orgs: Any,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    as_user: Any,
    django_assert_max_num_queries: Any,
) -> None:
    world.members = world.members[:1]
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    url = reverse("consultations:detail", args=[consultation.pk])

    def counts() -> tuple[int, int]:
        result = []
        for user in (secretariat, expert_user):
            client = as_user(user)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result[0], result[1]

    small = counts()
    for n in range(15):
        user = _expert_user(orgs, f"Chuyên gia số {n}", f"panel{n}@example.vn")
        expert = ExpertFactory.create(user=user)
        (invitation,) = panel_services.invitations_send(
            actor=secretariat, consultation=consultation, picks=[panel_services.Pick(expert=expert)]
        )
        panel_services.invitation_accept(
            actor=user, invitation=invitation, declared=True, statement="Không có."
        )
    assert consultation.invitations.filter(state=Invitation.Status.ACCEPTED).count() == 16
    assert counts() == small
    with django_assert_max_num_queries(40):
        as_user(secretariat).get(url)


def test_a_ward_leading_the_dossier_sees_no_name_of_its_panel_before_the_report(
    world: World, orgs: Any, other_officer: Any, secretariat: Any, as_user: Any, api_client: Any
) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.ward)
    consultation = ConsultationFactory.create(dossier=dossier, association=orgs.association)
    advance(
        consultation,
        "in_review",
        officer=other_officer,
        secretariat=secretariat,
        members=world.members,
    )
    page = as_user(other_officer).get(reverse("consultations:detail", args=[consultation.pk]))
    assert page.status_code == 200 and _names_in(page.content.decode()) == set()
    api = api_client(other_officer)
    assert api.get(f"{API}/{consultation.pk}/invitations").json() == []
    assert _names_in(api.get(f"{API}/{consultation.pk}/transitions").content.decode()) == set()
