"""Opinion pages: autosave with optimistic locking, remarks on text and map, the blind rule."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils.html import escape

from thamvan.consultations.models import Opinion
from thamvan.consultations.services._common import AUTHOR_REQUIRED, STALE_OPINION
from thamvan.core.tests.samples import as_upload, exe_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewing(world, officer, secretariat):
    world.advance("in_review", officer=officer, secretariat=secretariat)
    return world


def _workspace(consultation):
    return reverse("consultations:opinion_workspace", args=[consultation.pk])


def _url(name, opinion, *extra):
    return reverse(f"consultations:{name}", args=[opinion.consultation_id, opinion.pk, *extra])


def test_a_member_opens_a_draft_and_autosave_bumps_the_lock_version(
    reviewing, as_user, expert_user
):
    client = as_user(expert_user)
    response = client.get(_workspace(reviewing.consultation))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'hx-trigger="input changed delay:1s"' in body and "leaflet.draw.js" in body
    opinion = Opinion.objects.get()
    response = client.post(
        _url("opinion_autosave", opinion),
        {"lock_version": 0, "verdict": "agree", "summary": "Nhất trí"},
        HTTP_HX_REQUEST="true",
    )
    assert 'name="lock_version" value="1"' in response.content.decode()
    opinion.refresh_from_db()
    assert (opinion.summary, opinion.lock_version) == ("Nhất trí", 1)


def test_a_second_tab_cannot_silently_overwrite(reviewing, as_user, expert_user):
    client = as_user(expert_user)
    client.get(_workspace(reviewing.consultation))
    opinion = Opinion.objects.get()
    client.post(
        _url("opinion_autosave", opinion),
        {"lock_version": 0, "summary": "Tab 1"},
        HTTP_HX_REQUEST="true",
    )
    response = client.post(
        _url("opinion_autosave", opinion),
        {"lock_version": 0, "summary": "Tab 2"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert escape(str(STALE_OPINION)) in body
    assert 'name="lock_version" value="0"' in body
    opinion.refresh_from_db()
    assert opinion.summary == "Tab 1"


def test_a_remark_can_be_tied_to_a_map_point_and_to_a_section(reviewing, as_user, expert_user):
    client = as_user(expert_user)
    client.get(_workspace(reviewing.consultation))
    opinion = Opinion.objects.get()
    point = {"type": "Point", "coordinates": [105.852, 21.028]}
    response = client.post(
        _url("item_add", opinion),
        {
            "lock_version": 0,
            "content": "Nút giao cần mở rộng",
            "section": "Bản vẽ QH-04",
            "geometry": json.dumps(point),
        },
    )
    assert response.status_code == 302
    item = opinion.items.get()
    assert item.geometry == point and item.section == "Bản vẽ QH-04"
    bad = client.post(
        _url("item_add", opinion),
        {"lock_version": 1, "content": "x", "geometry": json.dumps({"type": "Circle"})},
    )
    assert bad.status_code == 400 and opinion.items.count() == 1


def test_attachments_are_checked(reviewing, as_user, expert_user):
    client = as_user(expert_user)
    client.get(_workspace(reviewing.consultation))
    opinion = Opinion.objects.get()
    client.post(
        _url("attach", opinion), {"lock_version": 0, "file": as_upload(exe_bytes(), "a.pdf")}
    )
    assert not opinion.attachments.exists()
    client.post(
        _url("attach", opinion), {"lock_version": 0, "file": as_upload(pdf_bytes(), "Góp ý.pdf")}
    )
    attachment = opinion.attachments.get()
    download = client.get(_url("attachment_download", opinion, attachment.pk))
    assert download.status_code == 200


def test_submission_locks_and_blind_review_hides_others_until_own_submission(
    reviewing, as_user, expert_user, other_expert_user, secretariat
):
    first, second = as_user(expert_user), as_user(other_expert_user)
    first.get(_workspace(reviewing.consultation))
    second.get(_workspace(reviewing.consultation))
    mine = Opinion.objects.get(expert__user=expert_user)
    theirs = Opinion.objects.get(expert__user=other_expert_user)
    # Nobody sees another's draft, not even the secretariat.
    assert second.get(_url("opinion_detail", mine)).status_code == 404
    assert as_user(secretariat).get(_url("opinion_detail", mine)).status_code == 404
    first.post(_url("submit", mine), {"lock_version": 0, "verdict": "agree", "summary": "Được"})
    mine.refresh_from_db()
    assert mine.is_submitted
    # Still blind for the second expert, who has not submitted.
    assert second.get(_url("opinion_detail", mine)).status_code == 404
    assert as_user(secretariat).get(_url("opinion_detail", mine)).status_code == 200
    second.post(_url("submit", theirs), {"lock_version": 0, "verdict": "disagree"})
    assert second.get(_url("opinion_detail", mine)).status_code == 200
    # The first expert is the chair and sees every submitted opinion.
    assert first.get(_url("opinion_detail", theirs)).status_code == 200
    again = first.post(_url("opinion_autosave", mine), {"lock_version": 1, "summary": "Sửa"})
    assert again.status_code == 404
    mine.refresh_from_db()
    assert mine.summary == "Được"


def test_without_blind_review_members_see_submitted_opinions_at_once(
    reviewing, as_user, expert_user, other_expert_user
):
    reviewing.consultation.blind_review = False
    reviewing.consultation.save(update_fields=["blind_review"])
    as_user(expert_user).get(_workspace(reviewing.consultation))
    mine = Opinion.objects.get()
    as_user(expert_user).post(_url("submit", mine), {"lock_version": 0, "verdict": "agree"})
    assert as_user(other_expert_user).get(_url("opinion_detail", mine)).status_code == 200


def test_an_amendment_keeps_the_submitted_revision(reviewing, as_user, expert_user):
    client = as_user(expert_user)
    client.get(_workspace(reviewing.consultation))
    opinion = Opinion.objects.get()
    client.post(_url("submit", opinion), {"lock_version": 0, "verdict": "agree"})
    client.post(_url("amend", opinion))
    assert Opinion.objects.filter(expert__user=expert_user).count() == 2
    assert client.get(_workspace(reviewing.consultation)).status_code == 200


@pytest.mark.parametrize("persona", ["officer", "leadership", "secretariat"])
def test_only_members_write_opinions(reviewing, as_user, persona, request):
    response = as_user(request.getfixturevalue(persona)).get(_workspace(reviewing.consultation))
    assert response.status_code == 403


def test_a_non_panel_expert_gets_404(reviewing, as_user, orgs):
    from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
    from thamvan.experts.tests.factories import ExpertFactory

    stranger = UserFactory.create()
    MembershipFactory.create(user=stranger, organization=orgs.association, role="expert")
    ExpertFactory.create(user=stranger)
    assert as_user(stranger).get(_workspace(reviewing.consultation)).status_code == 404


def test_the_secretariat_records_an_email_opinion_with_the_letter(
    reviewing, as_user, secretariat, officer
):
    url = reverse("consultations:opinion_record", args=[reviewing.consultation.pk])
    assert as_user(officer).get(url).status_code == 403
    response = as_user(secretariat).post(
        url,
        {
            "author_name": "Sở Giao thông vận tải",
            "source": "email",
            "verdict": "conditions",
            "items_text": "Bổ sung điểm trung chuyển\nRà soát lộ giới",
            "letter": as_upload(pdf_bytes(), "Công văn 15.pdf"),
        },
    )
    assert response.status_code == 302
    opinion = Opinion.objects.get(author_name="Sở Giao thông vận tải")
    assert opinion.items.count() == 2 and opinion.attachments.get().is_scanned_letter


def test_offline_record_needs_an_author(reviewing, as_user, secretariat):
    url = reverse("consultations:opinion_record", args=[reviewing.consultation.pk])
    response = as_user(secretariat).post(url, {"source": "paper", "verdict": "agree"})
    assert response.status_code == 200 and not Opinion.objects.exists()
    assert AUTHOR_REQUIRED in response.context["form"].non_field_errors()


def test_an_invalid_submission_submits_nothing(reviewing, as_user, expert_user):
    client = as_user(expert_user)
    client.get(_workspace(reviewing.consultation))
    mine = Opinion.objects.get(expert__user=expert_user)
    response = client.post(_url("submit", mine), {"lock_version": 0, "verdict": "no-such-verdict"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert not mine.is_submitted
