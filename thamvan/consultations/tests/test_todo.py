"""The consultation work on each persona's home page, side by side at each stage."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from thamvan.consultations import lifecycle
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.consultations.todo import RULES
from thamvan.core.tests.todo_page import Shown, api_items, home_items, home_text
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db

PERSONAS = [
    "officer",
    "other_officer",
    "secretariat",
    "expert_user",
    "other_expert_user",
    "leadership",
    "outsider",
]


def _shown(request, as_user, persona):
    return home_items(as_user(request.getfixturevalue(persona)))


def _item(consultation, kind, page, *extra, urgency="later"):
    url = reverse(f"consultations:{page}", args=[consultation.pk, *extra])
    return Shown(kind, consultation.title, url, urgency)


def _everyone(request, as_user):
    return {persona: _shown(request, as_user, persona) for persona in PERSONAS}


def _only(**shown):
    return {persona: shown.get(persona, []) for persona in PERSONAS}


def _invite(world, secretariat):
    return panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[panel_services.Pick(expert=expert) for _, expert in world.members],
    )


def test_a_sent_request_waits_for_the_secretariat_alone(
    request, as_user, world, officer, secretariat
):
    c = world.advance("sent", officer=officer, secretariat=secretariat)
    assert _everyone(request, as_user) == _only(secretariat=[_item(c, "requests", "detail")])


def test_an_accepted_request_waits_for_its_panel_to_be_formed(
    request, as_user, world, officer, secretariat
):
    c = world.advance("accepted", officer=officer, secretariat=secretariat)
    assert _everyone(request, as_user) == _only(secretariat=[_item(c, "panels", "panel")])


def test_invited_experts_answer_and_the_secretariat_starts_the_review(
    request, as_user, world, officer, secretariat
):
    c = world.advance("accepted", officer=officer, secretariat=secretariat)
    first, second = _invite(world, secretariat)
    c.refresh_from_db()
    assert _everyone(request, as_user) == _only(
        secretariat=[_item(c, "reviews", "detail", urgency="later")],
        expert_user=[_item(c, "invitations", "invitation", first.pk, urgency="later")],
        other_expert_user=[_item(c, "invitations", "invitation", second.pk, urgency="later")],
    )
    body = home_text(as_user(world.members[0][0]))
    assert gettext("due on %(date)s") % {"date": f"{first.respond_by:%d/%m/%Y}"} in body


def test_the_invitation_leaves_the_list_once_accepted(
    as_user, world, officer, secretariat, expert_user
):
    world.advance("accepted", officer=officer, secretariat=secretariat)
    first, _second = _invite(world, secretariat)
    client = as_user(expert_user)
    assert [item.kind for item in home_items(client)] == ["invitations"]
    url = reverse("consultations:invitation", args=[world.consultation.pk, first.pk])
    response = client.post(url, {"answer": "accept", "declared": "on", "statement": "Không có."})
    assert response.status_code == 302
    assert home_items(client) == []
    assert gettext("Nothing is waiting for you.") in home_text(client)


def test_members_owe_their_opinion_until_they_submit_it(
    request, as_user, world, officer, secretariat, expert_user
):
    c = world.advance("in_review", officer=officer, secretariat=secretariat)
    owed = _item(c, "opinions", "opinion_workspace", urgency="later")
    assert _everyone(request, as_user) == _only(expert_user=[owed], other_expert_user=[owed])
    opinion = opinion_services.opinion_start(actor=expert_user, consultation=c)
    opinion_services.opinion_save_draft(
        actor=expert_user, opinion=opinion, lock_version=0, verdict="agree", summary="Nhất trí."
    )
    # A draft is still owed; only a submitted opinion is done.
    assert _shown(request, as_user, "expert_user") == [owed]
    opinion_services.opinion_submit(actor=expert_user, opinion=opinion, lock_version=1)
    assert _everyone(request, as_user) == _only(other_expert_user=[owed])


def test_the_chair_drafts_the_synthesis_and_the_secretariat_issues_the_report(
    request, as_user, world, officer, secretariat
):
    c = world.advance("synthesizing", officer=officer, secretariat=secretariat)
    synthesis = _item(c, "syntheses", "synthesis")
    assert _everyone(request, as_user) == _only(expert_user=[synthesis], secretariat=[synthesis])
    synthesis_services.synthesis_save(
        actor=world.members[0][0],
        consultation=c,
        lock_version=c.synthesis_lock_version,
        introduction="Mở đầu.",
        conclusions="Hồ sơ cơ bản đáp ứng yêu cầu.",
        recommendations="",
    )
    assert _everyone(request, as_user) == _only(
        expert_user=[synthesis], secretariat=[_item(c, "reports", "synthesis")]
    )


def test_a_reported_consultation_waits_for_the_lead_agencys_answers(
    request, as_user, world, officer, secretariat
):
    c = world.advance("reported", officer=officer, secretariat=secretariat)
    assert _everyone(request, as_user) == _only(officer=[_item(c, "answers", "responses")])


def test_the_api_lists_what_the_page_shows(as_user, api_client, world, officer, secretariat):
    world.advance("accepted", officer=officer, secretariat=secretariat)
    _invite(world, secretariat)
    for user in (secretariat, world.members[0][0], officer):
        assert api_items(api_client(user)) == home_items(as_user(user))


@pytest.mark.parametrize("persona", ["secretariat", "expert_user"])
def test_the_number_of_queries_does_not_grow_with_the_waiting_items(
    request, as_user, orgs, officer, secretariat, persona, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    expert = ExpertFactory.create(user=request.getfixturevalue("expert_user"))
    dossier = DossierFactory.create(lead_agency=orgs.department)

    def add(n):
        for _ in range(n):
            c = ConsultationFactory.create(dossier=dossier, association=orgs.association)
            advance(c, "accepted", officer=officer, secretariat=secretariat)
            # Thirty open panels for one expert break the workload rule on purpose.
            pick = panel_services.Pick(expert=expert, override_reason="Kiểm tra tải trang.")
            panel_services.invitations_send(actor=secretariat, consultation=c, picks=[pick])

    add(1)
    client = as_user(user)
    assert len(home_items(client)) == 1
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("core:home"))
    add(29)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("core:home"))
    assert len(home_items(client)) == 30


def test_every_rule_waits_only_in_states_where_the_lifecycle_allows_its_action():
    for rule in RULES:
        assert rule.states and rule.states <= lifecycle.ACTIONS[rule.action].from_states, rule
