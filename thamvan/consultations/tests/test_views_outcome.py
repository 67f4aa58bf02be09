"""Synthesis, report and responses through HTTP."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from thamvan.consultations import lifecycle
from thamvan.consultations.models import Consultation, Response, State
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.consultations.services._common import EXPLANATION_REQUIRED

pytestmark = pytest.mark.django_db


def test_the_chair_groups_items_and_saves_the_synthesis(
    world, officer, secretariat, expert_user, as_user
):
    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    url = reverse("consultations:synthesis", args=[world.consultation.pk])
    client = as_user(expert_user)
    for grouping in ("question", "section", "topic", "verdict"):
        assert client.get(url, {"by": grouping}).status_code == 200
    item = outcome_services.items_to_answer(world.consultation).get()
    response = client.post(
        url,
        {
            "lock_version": 0,
            "introduction": "Mở đầu",
            "conclusions": "Kết luận",
            "recommendations": "Kiến nghị",
            f"topic_{item.pk}": "Giao thông tĩnh",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    world.consultation.refresh_from_db()
    assert item.topic == "Giao thông tĩnh" and world.consultation.conclusions == "Kết luận"
    stale = client.post(url, {"lock_version": 0, "conclusions": "Ghi đè"})
    assert stale.status_code == 200
    world.consultation.refresh_from_db()
    assert world.consultation.conclusions == "Kết luận"


@pytest.mark.parametrize("persona", ["officer", "other_expert_user", "leadership"])
def test_others_may_not_open_the_synthesis(world, officer, secretariat, persona, request, as_user):
    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    url = reverse("consultations:synthesis", args=[world.consultation.pk])
    assert as_user(request.getfixturevalue(persona)).get(url).status_code == 403


@pytest.fixture
def synthesized(world, officer, secretariat, expert_user):
    """A consultation whose synthesis is written, ready for its report to be issued."""
    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    synthesis_services.synthesis_save(
        actor=expert_user,
        consultation=world.consultation,
        lock_version=0,
        introduction="",
        conclusions="Kết luận",
        recommendations="",
    )
    return world


def test_the_secretariat_issues_the_report_and_the_chair_may_not(
    synthesized, secretariat, expert_user, as_user
):
    world = synthesized
    url = reverse("consultations:issue_report", args=[world.consultation.pk])
    assert as_user(expert_user).post(url).status_code == 403
    assert as_user(secretariat).post(url, {"report_number": "15"}).status_code == 302
    world.consultation.refresh_from_db()
    assert (world.consultation.state, world.consultation.report_number) == (State.REPORTED, "15")


def test_the_agency_answers_every_item_then_closes_the_consultation(
    world, officer, secretariat, leadership, as_user
):
    world.advance("reported", officer=officer, secretariat=secretariat)
    url = reverse("consultations:responses", args=[world.consultation.pk])
    item = outcome_services.items_to_answer(world.consultation).get()
    prefix = f"item{item.pk}"
    assert as_user(leadership).get(url).status_code == 200
    assert (
        as_user(leadership).post(url, {"item": item.pk, f"{prefix}-result": "accepted"}).status_code
        == 403
    )
    missing = as_user(officer).post(
        url, {"item": item.pk, f"{prefix}-result": "partly_accepted", f"{prefix}-lock_version": 0}
    )
    assert (
        missing.status_code == 200 and "Explain" in missing.content.decode()
    ) or "Giải" in missing.content.decode()
    done = as_user(officer).post(
        url,
        {
            "item": item.pk,
            f"{prefix}-result": "partly_accepted",
            f"{prefix}-explanation": "Bổ sung 2 bãi",
            f"{prefix}-lock_version": 0,
        },
    )
    assert done.status_code == 302
    assert Consultation.objects.get(pk=world.consultation.pk).state == State.RESPONDING
    close = reverse("consultations:transition", args=[world.consultation.pk, "close"])
    assert as_user(leadership).post(close).status_code == 403
    assert as_user(officer).post(close).status_code == 302
    assert Consultation.objects.get(pk=world.consultation.pk).state == State.CLOSED


def test_other_organisations_get_404_on_the_responses(
    world, officer, secretariat, other_officer, as_user
):
    world.advance("reported", officer=officer, secretariat=secretariat)
    url = reverse("consultations:responses", args=[world.consultation.pk])
    assert as_user(other_officer).get(url).status_code == 404


def test_a_report_number_too_long_is_refused_not_dropped(synthesized, secretariat, as_user):
    world = synthesized
    url = reverse("consultations:issue_report", args=[world.consultation.pk])
    response = as_user(secretariat).post(url, {"report_number": "9" * 31})
    assert response.status_code == 302
    world.consultation.refresh_from_db()
    assert world.consultation.state == State.SYNTHESIZING
    assert world.consultation.report_number == ""


@pytest.fixture
def two_remarks(world, officer, secretariat):
    """Reported with two remarks: the panel's and one received on paper."""
    consultation = world.advance("synthesizing", officer=officer, secretariat=secretariat)
    opinion_services.opinion_record_offline(
        actor=secretariat,
        consultation=consultation,
        source="paper",
        verdict="conditions",
        author_name="Sở Giao thông vận tải",
        items=[opinion_services.OfflineItem(content="Bổ sung điểm dừng xe buýt.")],
    )
    world.advance("reported", officer=officer, secretariat=secretariat)
    return world.consultation


def _row_data(item, result="", explanation="", lock_version=0):
    prefix = f"item{item.pk}"
    return {
        f"{prefix}-result": result,
        f"{prefix}-explanation": explanation,
        f"{prefix}-lock_version": lock_version,
    }


def test_each_row_saves_as_it_changes_and_the_review_counts_again(two_remarks, officer, as_user):
    url = reverse("consultations:responses", args=[two_remarks.pk])
    first, _second = outcome_services.items_to_answer(two_remarks).order_by("pk")
    client = as_user(officer)
    unexplained = client.post(
        url, {"item": first.pk, **_row_data(first, "not_accepted")}, HTTP_HX_REQUEST="true"
    )
    assert unexplained.status_code == 200
    assert str(EXPLANATION_REQUIRED) in unexplained.content.decode()
    assert not Response.objects.exists()
    saved = client.post(
        url,
        {"item": first.pk, **_row_data(first, "partly_accepted", "Bổ sung hai bãi đỗ xe.")},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    assert saved.content.decode().lstrip().startswith(f'<tr id="item-{first.pk}"')
    # The review comes back in the same answer, swapped out of band: no second request.
    assert 'id="review" hx-swap-oob="true"' in saved.content.decode()
    assert 'data-unanswered="1"' in saved.content.decode()
    assert Response.objects.get(item=first).result == "partly_accepted"
    # Saving the last-but-one answer never closes; the review says what remains.
    review = client.get(url, {"part": "review"}, HTTP_HX_REQUEST="true")
    assert 'data-unanswered="1"' in review.content.decode()
    assert escape(lifecycle.UNANSWERED % {"count": 1}) in review.content.decode()
    assert "close-form" not in review.content.decode()
    assert Consultation.objects.get(pk=two_remarks.pk).state == State.RESPONDING


def test_save_all_saves_the_filled_rows_and_leaves_the_blank_ones_unanswered(
    two_remarks, officer, as_user
):
    url = reverse("consultations:responses", args=[two_remarks.pk])
    first, second = outcome_services.items_to_answer(two_remarks).order_by("pk")
    client = as_user(officer)
    partial = client.post(url, {**_row_data(first, "accepted"), **_row_data(second)})
    assert partial.status_code == 302
    assert list(Response.objects.values_list("item", flat=True)) == [first.pk]
    mixed = client.post(
        url,
        {
            **_row_data(first, "not_accepted", lock_version=1),
            **_row_data(second, "accepted"),
        },
    )
    # The bad row keeps its input and its error; the good one is saved.
    assert mixed.status_code == 200
    assert str(EXPLANATION_REQUIRED) in mixed.content.decode()
    assert Response.objects.get(item=first).result == "accepted"
    assert Response.objects.get(item=second).result == "accepted"
    page = client.get(url)
    assert 'data-unanswered="0"' in page.content.decode()
    assert 'id="close-form"' in page.content.decode()


def test_answers_stay_editable_until_the_agency_confirms_the_close(
    two_remarks, officer, leadership, secretariat, as_user
):
    url = reverse("consultations:responses", args=[two_remarks.pk])
    first, second = outcome_services.items_to_answer(two_remarks).order_by("pk")
    client = as_user(officer)
    client.post(url, {**_row_data(first, "accepted"), **_row_data(second, "accepted")})
    changed = client.post(
        url, {"item": first.pk, **_row_data(first, "not_accepted", "Không phù hợp.", 1)}
    )
    assert changed.status_code == 302
    assert Response.objects.get(item=first).lock_version == 2
    for other in (leadership, secretariat):
        assert 'id="close-form"' not in as_user(other).get(url).content.decode()
    close = reverse("consultations:transition", args=[two_remarks.pk, "close"])
    assert as_user(leadership).post(close).status_code == 403
    assert as_user(secretariat).post(close).status_code == 403
    assert Consultation.objects.get(pk=two_remarks.pk).state == State.RESPONDING
    assert client.post(close).status_code == 302
    assert Consultation.objects.get(pk=two_remarks.pk).state == State.CLOSED
    # Closed: the answers are final.
    assert client.post(url, {"item": first.pk, **_row_data(first, "accepted")}).status_code == 403
    assert Response.objects.get(item=first).result == "not_accepted"


def test_an_explanation_typed_before_the_result_is_kept_without_an_error(
    two_remarks, officer, as_user
):
    url = reverse("consultations:responses", args=[two_remarks.pk])
    first, _second = outcome_services.items_to_answer(two_remarks).order_by("pk")
    typed = as_user(officer).post(
        url,
        {"item": first.pk, **_row_data(first, "", "Đang soạn giải trình.")},
        HTTP_HX_REQUEST="true",
    )
    assert typed.status_code == 200
    assert "Đang soạn giải trình." in typed.content.decode()
    assert "field-error" not in typed.content.decode()
    assert not Response.objects.exists()
