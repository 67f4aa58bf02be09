"""The "similar past opinions" list beside the opinion editor."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.tests.test_search_index import submit, write_opinion

pytestmark = pytest.mark.django_db

PAST_TEXT = "Đề nghị bổ sung bãi đỗ xe ngầm tại nút giao Kim Liên."
DRAFT_TEXT = "Bãi đỗ xe ngầm tại nút giao Kim Liên: phương án mật ở chợ Thụy Khuê."


@pytest.fixture
def panel(
    world: Any,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> Any:
    """In review, open review: the chair submitted an opinion on underground parking."""
    world.consultation.blind_review = False
    world.consultation.save(update_fields=["blind_review"])
    with django_capture_on_commit_callbacks(execute=True):
        world.advance("in_review", officer=officer, secretariat=secretariat)
        world.past = submit(
            expert_user,
            write_opinion(expert_user, world.consultation, summary="Nhất trí.", remark=PAST_TEXT),
        )
    return world


def _workspace(client: Any, consultation: Any) -> Any:
    return client.get(reverse("consultations:opinion_workspace", args=[consultation.pk]))


def test_the_editor_lists_similar_opinions_the_expert_may_read(
    panel: Any, other_expert_user: Any, as_user: Any
) -> None:
    write_opinion(other_expert_user, panel.consultation, summary="", remark=DRAFT_TEXT)
    response = _workspace(as_user(other_expert_user), panel.consultation)
    assert response.status_code == 200
    assert [h.entry.object_id for h in response.context["similar"]] == [panel.past.pk]
    html = response.content.decode()
    assert 'id="similar-opinions"' in html
    assert panel.past.get_absolute_url() in html
    assert "<mark>" in html


def test_a_blind_review_keeps_other_opinions_out_until_one_submits(
    panel: Any, other_expert_user: Any, as_user: Any
) -> None:
    panel.consultation.blind_review = True
    panel.consultation.save(update_fields=["blind_review"])
    write_opinion(other_expert_user, panel.consultation, summary="", remark=DRAFT_TEXT)
    response = _workspace(as_user(other_expert_user), panel.consultation)
    assert response.context["similar"] == []
    assert panel.past.get_absolute_url() not in response.content.decode()


def test_another_experts_draft_never_appears(
    panel: Any,
    expert_user: Any,
    other_expert_user: Any,
    as_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        draft = write_opinion(other_expert_user, panel.consultation, summary="", remark=DRAFT_TEXT)
        opinion_services.opinion_amend(actor=expert_user, opinion=panel.past)
    # The chair reads every submitted opinion, yet neither the other expert's
    # draft nor the revision being amended is offered.
    response = _workspace(as_user(expert_user), panel.consultation)
    assert response.status_code == 200
    assert response.context["similar"] == []
    html = response.content.decode()
    assert draft.get_absolute_url() not in html
    assert "Thụy Khuê" not in html


def test_an_empty_draft_shows_the_empty_state(
    panel: Any, other_expert_user: Any, as_user: Any
) -> None:
    response = _workspace(as_user(other_expert_user), panel.consultation)
    assert response.status_code == 200
    assert response.context["similar"] == []
    assert 'id="similar-opinions"' in response.content.decode()
    assert 'class="empty"' in response.content.decode()


@pytest.mark.parametrize("persona", ["secretariat", "officer", "outsider"])
def test_only_panel_members_open_the_editor(
    panel: Any, persona: str, request: pytest.FixtureRequest, as_user: Any
) -> None:
    response = _workspace(as_user(request.getfixturevalue(persona)), panel.consultation)
    assert response.status_code in (403, 404)


def test_the_editor_query_count_does_not_grow_with_similar_opinions(
    panel: Any,
    secretariat: Any,
    other_expert_user: Any,
    as_user: Any,
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    write_opinion(other_expert_user, panel.consultation, summary="", remark=DRAFT_TEXT)
    client = as_user(other_expert_user)
    with CaptureQueriesContext(connection) as one:
        assert len(_workspace(client, panel.consultation).context["similar"]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            opinion_services.opinion_record_offline(
                actor=secretariat,
                consultation=panel.consultation,
                source="email",
                verdict="conditions",
                author_name=f"Phòng Quản lý đô thị số {n}",
                items=[opinion_services.OfflineItem(content=PAST_TEXT)],
            )
    with django_assert_max_num_queries(len(one)):
        assert len(_workspace(client, panel.consultation).context["similar"]) == 5
