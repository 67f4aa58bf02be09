"""The panel discussion through HTTP: the page's thread, the discussion page and the API
read one rule (``access.discussion_visible_to``) and post through one service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from thamvan.audit.models import AuditEntry
from thamvan.consultations import lifecycle
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation, DiscussionMessage, State
from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.consultations.services.discussion import (
    DISCUSSION_OPENS_ON_SUBMISSION,
    discussion_post,
)
from thamvan.consultations.tests.discussion_world import NON_READERS, READERS, Panel
from thamvan.consultations.views.discussion import SHOWN_IN_THREAD

pytestmark = pytest.mark.django_db

SECRET = "Nút giao Trần Duy Hưng cần mở rộng."

# What each persona gets: the page's thread, the discussion page, the API's list.
EXPECTED = {
    **dict.fromkeys(READERS, ("thread", 200, 200)),
    "waiting_member": ("note", 403, 403),
    "invited_expert": ("nothing", 403, 403),
    "officer": ("nothing", 403, 403),
    "leadership": ("nothing", 403, 403),
    # Not on the panel: the consultation itself is not theirs to see.
    "other_expert": ("not found", 404, 404),
}


def _api_url(panel: Panel) -> str:
    return f"/api/v1/consultations/{panel.consultation.pk}/discussion"


def _footprint() -> tuple[int, int]:
    return (
        DiscussionMessage.objects.count(),
        AuditEntry.objects.exclude(action="access.denied").count(),
    )


@pytest.mark.parametrize("persona", [*READERS, *NON_READERS])
def test_page_and_api_show_the_discussion_to_the_same_people(
    panel: Panel,
    persona: str,
    as_user: Callable[[Any], Client],
    api_client: Callable[[Any], Client],
) -> None:
    discussion_post(actor=panel.users["chair"], consultation=panel.consultation, body=SECRET)
    user = panel.users[persona]
    on_page, page_status, api_status = EXPECTED[persona]
    client = as_user(user)

    detail = client.get(panel.consultation.get_absolute_url())
    html = detail.content.decode()
    if on_page == "not found":
        assert detail.status_code == 404
    else:
        assert detail.status_code == 200
        assert (SECRET in html) == (on_page == "thread")
        assert ('id="discussion"' in html) == (on_page in ("thread", "note"))
        assert (str(escape(DISCUSSION_OPENS_ON_SUBMISSION)) in html) == (on_page == "note")
    discussion_page = client.get(reverse("consultations:discussion", args=[panel.consultation.pk]))
    assert discussion_page.status_code == page_status
    listed = api_client(user).get(_api_url(panel))
    assert listed.status_code == api_status, listed.content
    if api_status == 200:
        assert [m["body"] for m in listed.json()["items"]] == [SECRET]
        assert listed.json()["count"] == 1
        assert SECRET in discussion_page.content.decode()
    else:
        # Neither the messages nor how many there are.
        assert SECRET not in listed.content.decode()
        assert "count" not in listed.json()
    if persona == "waiting_member":
        assert listed.json()["detail"] == str(DISCUSSION_OPENS_ON_SUBMISSION)


@pytest.mark.parametrize("persona", NON_READERS)
def test_posting_is_refused_to_the_others_by_page_and_api_and_leaves_no_trace(
    panel: Panel,
    persona: str,
    as_user: Callable[[Any], Client],
    api_client: Callable[[Any], Client],
) -> None:
    user = panel.users[persona]
    refused = 404 if persona == "other_expert" else 403
    before = _footprint()
    page = as_user(user).post(
        reverse("consultations:discussion", args=[panel.consultation.pk]), {"body": "Xin chào."}
    )
    api = api_client(user).post(
        _api_url(panel), {"body": "Xin chào."}, content_type="application/json"
    )
    assert (page.status_code, api.status_code) == (refused, refused)
    assert _footprint() == before


@pytest.mark.parametrize("persona", READERS)
def test_posting_is_allowed_to_the_participants_by_page_and_api(
    panel: Panel,
    persona: str,
    as_user: Callable[[Any], Client],
    api_client: Callable[[Any], Client],
) -> None:
    user = panel.users[persona]
    url = reverse("consultations:discussion", args=[panel.consultation.pk])
    page = as_user(user).post(url, {"body": "Qua trang.", "return_to": "detail"})
    posted = DiscussionMessage.objects.get(body="Qua trang.")
    assert page.status_code == 302
    assert page["Location"] == f"{panel.consultation.get_absolute_url()}#message-{posted.pk}"
    api = api_client(user).post(
        _api_url(panel), {"body": "Qua API."}, content_type="application/json"
    )
    assert api.status_code == 201, api.content
    assert api.json()["author_id"] == user.pk
    assert api.json()["body"] == "Qua API."


def test_an_htmx_post_answers_the_thread_with_the_new_message(
    panel: Panel, as_user: Callable[[Any], Client]
) -> None:
    client = as_user(panel.users["submitted_member"])
    url = reverse("consultations:discussion", args=[panel.consultation.pk])
    response = client.post(url, {"body": "Đồng ý với tổ trưởng."}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="discussion"' in html and "Đồng ý với tổ trưởng." in html
    # An empty message comes back in the partial with its translated error, not a 500.
    response = client.post(url, {"body": "  "}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert DiscussionMessage.objects.count() == 1


def test_a_plain_post_with_bad_input_shows_the_form_again_with_the_message(
    panel: Panel, as_user: Callable[[Any], Client], secretariat: Any
) -> None:
    client = as_user(panel.users["chair"])
    url = reverse("consultations:discussion", args=[panel.consultation.pk])
    response = client.post(url, {"body": "Trả lời.", "reply_to": "999999"})
    assert response.status_code == 400
    assert "Trả lời." in response.content.decode()
    assert "form-errors" in response.content.decode()
    assert not DiscussionMessage.objects.exists()


def test_a_member_cannot_mark_a_conclusion_through_the_page_or_the_api(
    panel: Panel, as_user: Callable[[Any], Client], api_client: Callable[[Any], Client]
) -> None:
    member = panel.users["submitted_member"]
    url = reverse("consultations:discussion", args=[panel.consultation.pk])
    page = as_user(member).post(url, {"body": "Kết luận.", "is_conclusion": "on"})
    api = api_client(member).post(
        _api_url(panel),
        {"body": "Kết luận.", "is_conclusion": True},
        content_type="application/json",
    )
    assert (page.status_code, api.status_code) == (403, 403)
    chair = api_client(panel.users["chair"]).post(
        _api_url(panel),
        {"body": "Kết luận.", "is_conclusion": True},
        content_type="application/json",
    )
    assert chair.status_code == 201 and chair.json()["is_conclusion"] is True
    assert chair.json()["author_role"] == "chair"


def test_the_api_refuses_a_reply_to_another_discussion(
    panel: Panel, api_client: Callable[[Any], Client]
) -> None:
    response = api_client(panel.users["chair"]).post(
        _api_url(panel),
        {"body": "Trả lời.", "reply_to_id": 999999},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "reply_to_id" in response.json()["detail"]


def test_the_synthesis_offers_the_chairs_conclusion_to_copy(
    world: Any, officer: Any, secretariat: Any, expert_user: Any, as_user: Any
) -> None:
    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    discussion_post(
        actor=expert_user,
        consultation=world.consultation,
        body="Hồ sơ đạt yêu cầu.",
        is_conclusion=True,
    )
    discussion_post(actor=secretariat, consultation=world.consultation, body="Ghi nhận.")
    html = (
        as_user(expert_user)
        .get(reverse("consultations:synthesis", args=[world.consultation.pk]))
        .content.decode()
    )
    assert html.count("data-copy-conclusion=") == 1
    assert 'data-copy-conclusion="Hồ sơ đạt yêu cầu."' in html
    assert 'name="return_to" value="synthesis"' in html


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_thread_costs_the_same_queries_with_many_messages_and_shows_a_bounded_number(
    panel: Panel, as_user: Callable[[Any], Client]
) -> None:
    chair, member = panel.users["chair"], panel.users["submitted_member"]
    first = discussion_post(actor=chair, consultation=panel.consultation, body="Tin 0")
    discussion_post(actor=member, consultation=panel.consultation, body="Tin 1", reply_to=first)
    client = as_user(chair)
    detail = panel.consultation.get_absolute_url()
    page = reverse("consultations:discussion", args=[panel.consultation.pk])
    few = (_queries(client, detail), _queries(client, page))
    authors = [chair, member, panel.users["secretariat"]]
    for n in range(2, 120):
        discussion_post(
            actor=authors[n % 3],
            consultation=panel.consultation,
            body=f"Tin {n}",
            reply_to=first if n % 2 else None,
        )
    many = (_queries(client, detail), _queries(client, page))
    assert many == few
    html = client.get(detail).content.decode()
    assert html.count("data-message=") == SHOWN_IN_THREAD
    assert "Tin 119" in html and "Tin 99<" not in html
    assert reverse("consultations:discussion", args=[panel.consultation.pk]) in html


def _by_service(user: Any, consultation: Any) -> bool:
    try:
        discussion_post(actor=user, consultation=consultation, body="Theo dịch vụ.")
    except ConsultationError:
        return False
    return True


def _by_page(client: Client, consultation: Any) -> bool:
    url = reverse("consultations:discussion", args=[consultation.pk])
    response = client.post(url, {"body": "Theo trang."})
    # Refusals: 404 (not visible), 403 (not theirs), 400 (the form again with the message).
    assert response.status_code in (302, 400, 403, 404)
    return response.status_code == 302


def _by_api(client: Client, consultation: Any) -> bool:
    response = client.post(
        f"/api/v1/consultations/{consultation.pk}/discussion",
        {"body": "Theo API."},
        content_type="application/json",
    )
    assert response.status_code in (201, 403, 404, 422), response.content
    return response.status_code == 201


def test_service_page_and_api_agree_with_the_table_on_who_discusses_in_each_state(
    panel: Panel,
    secretariat: Any,
    as_user: Callable[[Any], Client],
    api_client: Callable[[Any], Client],
) -> None:
    """The ``discuss`` row of the lifecycle walked as ``test_lifecycle_agreement`` walks
    the buttons: allowed → posted by every channel; refused → nothing written."""
    pages = {name: as_user(user) for name, user in panel.users.items()}
    apis = {name: api_client(user) for name, user in panel.users.items()}
    expected = {State.IN_REVIEW: READERS, State.SYNTHESIZING: READERS, State.REPORTED: ()}
    for state, allowed in expected.items():
        if state == State.SYNTHESIZING:
            synthesis_services.consultation_start_synthesis(
                actor=secretariat, consultation=panel.consultation
            )
        elif state == State.REPORTED:
            synthesis_services.synthesis_save(
                actor=secretariat,
                consultation=panel.consultation,
                lock_version=panel.consultation.synthesis_lock_version,
                introduction="",
                conclusions="Đạt.",
                recommendations="",
            )
            synthesis_services.consultation_issue_report(
                actor=secretariat, consultation=panel.consultation, report_number="9"
            )
        assert Consultation.objects.get(pk=panel.consultation.pk).state == state
        for name, user in panel.users.items():
            table = lifecycle.can(
                "discuss", user, Consultation.objects.get(pk=panel.consultation.pk)
            )
            assert table == (name in allowed), f"{name} in {state}"
            for channel in ("service", "page", "api"):
                with transaction.atomic():
                    before = _footprint()
                    fresh = Consultation.objects.get(pk=panel.consultation.pk)
                    if channel == "service":
                        done = _by_service(user, fresh)
                    elif channel == "page":
                        done = _by_page(pages[name], fresh)
                    else:
                        done = _by_api(apis[name], fresh)
                    after = _footprint()
                    transaction.set_rollback(True)
                where = f"{name} in {state} through the {channel}"
                assert done == table, where
                if done:
                    assert after[0] == before[0] + 1 and after[1] > before[1], where
                else:
                    assert after == before, where


def test_a_reply_is_written_on_the_discussion_page_and_names_what_it_answers(
    panel: Panel, as_user: Callable[[Any], Client]
) -> None:
    first = discussion_post(
        actor=panel.users["chair"], consultation=panel.consultation, body="Ý kiến về bãi đỗ xe?"
    )
    client = as_user(panel.users["submitted_member"])
    url = reverse("consultations:discussion", args=[panel.consultation.pk])
    page = client.get(f"{url}?reply_to={first.pk}").content.decode()
    assert f'name="reply_to" value="{first.pk}"' in page
    response = client.post(
        url, {"body": "Cần thêm hai bãi.", "reply_to": first.pk, "return_to": "discussion"}
    )
    reply = DiscussionMessage.objects.get(reply_to=first)
    assert response["Location"] == f"{url}#message-{reply.pk}"
    shown = client.get(url).content.decode().split(f'id="message-{reply.pk}"')[1]
    quoted = shown.split("</li>")[0]
    assert "discussion-reply-to" in quoted and "Ý kiến về bãi đỗ xe?" in quoted
