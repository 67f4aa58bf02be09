"""Pinned remarks on the maps: the GeoJSON each persona gets (the blind rule kept), the
names it carries, its query count, and the places the pages offer it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from thamvan.accounts.models import Role
from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.consultations.maps import clean_geometry
from thamvan.consultations.models import Consultation, Opinion, OpinionItem, State
from thamvan.consultations.services import opinions as opinions_services
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.consultations.tests.conftest import World
from thamvan.consultations.tests.factories import advance
from thamvan.dossiers.tests.factories import HANOI_POLYGON
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db

POINT = {"type": "Point", "coordinates": [105.853, 21.029]}
LINE = {"type": "LineString", "coordinates": [[105.851, 21.027], [105.855, 21.031]]}
AREA = {
    "type": "Polygon",
    "coordinates": [[[105.851, 21.027], [105.854, 21.027], [105.854, 21.030], [105.851, 21.027]]],
}


def _draft(user: Any, consultation: Consultation, *pins: tuple[str, Any]) -> Opinion:
    opinion = opinions_services.opinion_start(actor=user, consultation=consultation)
    opinions_services.opinion_save_draft(
        actor=user,
        opinion=opinion,
        lock_version=opinion.lock_version,
        verdict="conditions",
        summary="Cơ bản nhất trí.",
    )
    for content, geometry in pins:
        opinions_services.opinion_item_add(
            actor=user,
            opinion=opinion,
            lock_version=opinion.lock_version,
            content=content,
            geometry=geometry,
        )
    return opinion


def _submit(user: Any, opinion: Opinion) -> None:
    opinions_services.opinion_submit(actor=user, opinion=opinion, lock_version=opinion.lock_version)


def _item(opinion: Opinion, content: str) -> OpinionItem:
    return opinion.items.get(content=content)


@dataclass
class Review:
    """The chair submitted a point and a remark without a place; the member drafts a
    line and an area; a third member stays silent."""

    consultation: Consultation
    world: World
    chair_point: OpinionItem
    member_line: OpinionItem
    member_area: OpinionItem
    member_opinion: Opinion
    silent: Any


@pytest.fixture
def review(
    world: World,
    orgs: Any,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
) -> Review:
    silent = _expert(orgs, "Đặng Minh Tuấn", "silent@example.vn")
    world.members.append((silent, silent.expert_profile))
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    chair = _draft(
        expert_user,
        consultation,
        ("Nút giao cần mở rộng.", POINT),
        ("Bổ sung thuyết minh giao thông tĩnh.", None),
    )
    _submit(expert_user, chair)
    member = _draft(
        other_expert_user,
        consultation,
        ("Tuyến đường ven hồ quá hẹp.", LINE),
        ("Khu cây xanh cần giữ lại.", AREA),
    )
    return Review(
        consultation,
        world,
        _item(chair, "Nút giao cần mở rộng."),
        _item(member, "Tuyến đường ven hồ quá hẹp."),
        _item(member, "Khu cây xanh cần giữ lại."),
        member,
        silent,
    )


def _close(review: Review, officer: Any, secretariat: Any, other_expert_user: Any) -> None:
    """The member submits (if not yet), the report is issued, and the round is closed."""
    if review.member_opinion.state == Opinion.Status.DRAFT:
        _submit(other_expert_user, review.member_opinion)
    synthesis_services.consultation_start_synthesis(
        actor=secretariat, consultation=review.consultation
    )
    review.consultation.refresh_from_db()
    advance(review.consultation, "reported", officer=officer, secretariat=secretariat)
    # How a round closes is not what is tested here: only that it is closed.
    Consultation.objects.filter(pk=review.consultation.pk).update(
        state=State.CLOSED, closed_at=timezone.now()
    )


def _expert(orgs: Any, name: str, email: str) -> Any:
    """An expert of the association with a registry profile, on no panel yet."""
    user = UserFactory.create(full_name=name, email=email)
    MembershipFactory.create(user=user, organization=orgs.association, role=Role.EXPERT)
    ExpertFactory.create(user=user, full_name=name)
    return user


def _stranger(orgs: Any) -> Any:
    return _expert(orgs, "Hồ Ngọc Lan", "stranger@example.vn")


def _geojson(client: Any, consultation: Consultation) -> Any:
    return client.get(reverse("consultations:pins", args=[consultation.pk]))


def _pins(client: Any, consultation: Consultation) -> dict[int, dict[str, Any]]:
    response = _geojson(client, consultation)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    return {feature["id"]: feature for feature in data["features"]}


# --- Who gets which pins ---------------------------------------------------------------


def test_before_submitting_a_member_sees_only_the_own_pins_and_the_chair_only_submitted_ones(
    review: Review, as_user: Any, expert_user: Any, other_expert_user: Any, secretariat: Any
) -> None:
    member = _pins(as_user(other_expert_user), review.consultation)
    assert set(member) == {review.member_line.pk, review.member_area.pk}
    assert all(f["properties"]["draft"] for f in member.values())
    # Nobody else sees a draft; the chair's remark without a place is no pin.
    assert set(_pins(as_user(expert_user), review.consultation)) == {review.chair_point.pk}
    assert set(_pins(as_user(secretariat), review.consultation)) == {review.chair_point.pk}


def test_after_submitting_a_member_sees_the_panels_pins(
    review: Review, as_user: Any, expert_user: Any, other_expert_user: Any
) -> None:
    _submit(other_expert_user, review.member_opinion)
    everything = {review.chair_point.pk, review.member_line.pk, review.member_area.pk}
    assert set(_pins(as_user(other_expert_user), review.consultation)) == everything
    assert set(_pins(as_user(expert_user), review.consultation)) == everything


def test_without_blind_review_a_member_sees_the_submitted_pins_before_submitting(
    review: Review, as_user: Any, other_expert_user: Any
) -> None:
    Consultation.objects.filter(pk=review.consultation.pk).update(blind_review=False)
    assert set(_pins(as_user(other_expert_user), review.consultation)) == {
        review.chair_point.pk,
        review.member_line.pk,
        review.member_area.pk,
    }


@pytest.mark.parametrize("persona", ["stranger", "outsider", "other_officer"])
def test_those_who_do_not_read_the_consultation_get_404(
    review: Review, as_user: Any, orgs: Any, outsider: Any, other_officer: Any, persona: str
) -> None:
    user = {"stranger": _stranger(orgs), "outsider": outsider, "other_officer": other_officer}
    response = _geojson(as_user(user[persona]), review.consultation)
    assert response.status_code == 404
    assert "Nút giao" not in response.content.decode()


def test_the_lead_agency_and_leadership_see_the_pins_once_the_round_is_closed(
    review: Review,
    as_user: Any,
    officer: Any,
    leadership: Any,
    secretariat: Any,
    other_expert_user: Any,
) -> None:
    for user in (officer, leadership):
        assert _pins(as_user(user), review.consultation) == {}
    _close(review, officer, secretariat, other_expert_user)
    everything = {review.chair_point.pk, review.member_line.pk, review.member_area.pk}
    for user in (officer, leadership):
        pins = _pins(as_user(user), review.consultation)
        assert set(pins) == everything
        assert not any(f["properties"]["draft"] for f in pins.values())


def test_anonymous_visitors_are_sent_to_sign_in(review: Review, client: Any) -> None:
    response = _geojson(client, review.consultation)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_superseded_revision_is_not_pinned_beside_the_one_that_replaced_it(
    review: Review, as_user: Any, expert_user: Any, secretariat: Any
) -> None:
    first = review.chair_point.opinion
    amendment = opinions_services.opinion_amend(actor=expert_user, opinion=first)
    _submit(expert_user, amendment)
    replacement = _item(amendment, "Nút giao cần mở rộng.")
    assert set(_pins(as_user(secretariat), review.consultation)) == {replacement.pk}


# --- What a pin says -------------------------------------------------------------------


def test_a_pin_carries_its_shape_number_excerpt_and_the_link_to_its_row(
    review: Review, as_user: Any, other_expert_user: Any
) -> None:
    pins = _pins(as_user(other_expert_user), review.consultation)
    line, area = pins[review.member_line.pk], pins[review.member_area.pk]
    assert line["geometry"] == LINE and area["geometry"] == AREA
    assert (line["properties"]["kind"], area["properties"]["kind"]) == ("line", "area")
    assert line["properties"]["number"] == 1
    assert line["properties"]["label"] == _("Remark %(number)s") % {"number": 1}
    assert line["properties"]["excerpt"] == "Tuyến đường ven hồ quá hẹp."
    opinion_page = reverse(
        "consultations:opinion_detail",
        args=[review.consultation.pk, review.member_opinion.pk],
    )
    assert line["properties"]["url"] == f"{opinion_page}#item-{review.member_line.pk}"
    assert line["properties"]["anchor"] == f"item-{review.member_line.pk}"


def test_the_author_is_named_only_to_those_who_may_see_the_panels_names(
    review: Review,
    as_user: Any,
    expert_user: Any,
    other_expert_user: Any,
    officer: Any,
    secretariat: Any,
) -> None:
    _submit(other_expert_user, review.member_opinion)
    chair_name = review.world.expert.titled_name
    member_name = review.world.other_expert.titled_name

    def author(user: Any, item: OpinionItem) -> str | None:
        return _pins(as_user(user), review.consultation)[item.pk]["properties"]["author"]

    # Before the report the chair and the secretariat know the panel; a member knows
    # only themself (invitations_visible_to).
    assert author(expert_user, review.member_line) == member_name
    assert author(secretariat, review.member_line) == member_name
    assert author(other_expert_user, review.member_line) == member_name
    assert author(other_expert_user, review.chair_point) is None
    # The issued report names the authors to those who read it.
    _close(review, officer, secretariat, other_expert_user)
    assert author(officer, review.chair_point) == chair_name
    assert author(other_expert_user, review.chair_point) == chair_name


def test_text_is_sent_as_data_not_markup(
    review: Review, as_user: Any, other_expert_user: Any
) -> None:
    OpinionItem.objects.filter(pk=review.member_line.pk).update(
        content="<img src=x onerror=alert(1)> " + "rất dài " * 40
    )
    excerpt = _pins(as_user(other_expert_user), review.consultation)[review.member_line.pk][
        "properties"
    ]["excerpt"]
    # The popup puts it in textContent; here it stays as typed, only shortened.
    assert excerpt.startswith("<img src=x onerror=alert(1)>") and excerpt.endswith("…")
    assert len(excerpt) <= 160


def test_a_malformed_place_is_left_out_and_the_other_pins_still_come(
    review: Review, as_user: Any, other_expert_user: Any
) -> None:
    OpinionItem.objects.filter(pk=review.member_line.pk).update(
        geometry={"type": "LineString", "coordinates": [["105.8", "21.0"], [1]]}
    )
    assert set(_pins(as_user(other_expert_user), review.consultation)) == {review.member_area.pk}


@pytest.mark.parametrize(
    "value",
    [
        None,
        "POINT(105 21)",
        {"type": "Circle", "coordinates": [105.8, 21.0]},
        {"type": "Point", "coordinates": []},
        {"type": "Point", "coordinates": [105.8]},
        {"type": "Point", "coordinates": [True, False]},
        {"type": "Point", "coordinates": [205.8, 21.0]},
        {"type": "Point", "coordinates": [float("nan"), 21.0]},
        {"type": "LineString", "coordinates": [[105.8, 21.0]]},
        {"type": "Polygon", "coordinates": [[[105.8, 21.0], [105.9, 21.0], [105.8, 21.0]]]},
        {"type": "Polygon", "coordinates": []},
        {"type": "Polygon", "coordinates": [AREA["coordinates"][0], "ring"]},
    ],
)
def test_a_geometry_leaflet_cannot_draw_is_refused(value: Any) -> None:
    assert clean_geometry(value) is None


def test_a_well_formed_geometry_is_kept_without_its_altitude() -> None:
    assert clean_geometry({"type": "Point", "coordinates": [105.8, 21, 12.5]}) == {
        "type": "Point",
        "coordinates": [105.8, 21.0],
    }
    assert clean_geometry(AREA) == AREA


# --- Cost ------------------------------------------------------------------------------


def test_the_number_of_queries_does_not_grow_with_the_pins(
    world: World,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    as_user: Any,
    django_assert_max_num_queries: Any,
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    opinion = _draft(expert_user, consultation, ("Điểm 0", POINT))
    _submit(expert_user, opinion)
    client = as_user(secretariat)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            _pins(client, consultation)
        return len(queries)

    few = count()
    OpinionItem.objects.bulk_create(
        OpinionItem(opinion=opinion, order=n, content=f"Điểm {n}", geometry=geometry)
        for n, geometry in enumerate([POINT, LINE, AREA] * 20, start=2)
    )
    assert len(_pins(client, consultation)) == 61
    assert count() == few
    with django_assert_max_num_queries(12):
        _pins(client, consultation)


# --- The pages -------------------------------------------------------------------------


def _page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return str(response.content.decode())


def _embedded(page: str, element_id: str) -> Any:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page)
    return json.loads(match.group(1)) if match else None


def test_the_consultation_page_maps_the_boundary_and_fetches_the_pins(
    review: Review, as_user: Any, other_expert_user: Any
) -> None:
    page = _page(as_user(other_expert_user), review.consultation.get_absolute_url())
    pins_url = reverse("consultations:pins", args=[review.consultation.pk])
    assert f'data-pins-url="{pins_url}"' in page and "js/pins-map.js" in page
    assert _embedded(page, "pins-map-boundary") == HANOI_POLYGON


def test_the_synthesis_lists_each_pinned_remark_with_an_anchor_and_a_link_to_its_pin(
    review: Review, as_user: Any, expert_user: Any, secretariat: Any, other_expert_user: Any
) -> None:
    _submit(other_expert_user, review.member_opinion)
    synthesis_services.consultation_start_synthesis(
        actor=secretariat, consultation=review.consultation
    )
    page = _page(
        as_user(expert_user), reverse("consultations:synthesis", args=[review.consultation.pk])
    )
    assert reverse("consultations:pins", args=[review.consultation.pk]) in page
    for item, place in (
        (review.chair_point, "Place on the map: point"),
        (review.member_line, "Place on the map: line"),
        (review.member_area, "Place on the map: area"),
    ):
        assert f'id="item-{item.pk}"' in page and f'href="#pin-{item.pk}"' in page
        assert _(place) in page
    assert ">Point<" not in page


def test_an_opinion_describes_its_place_and_links_to_the_pin_on_the_consultation_map(
    review: Review, as_user: Any, expert_user: Any
) -> None:
    opinion = review.chair_point.opinion
    page = _page(
        as_user(expert_user),
        reverse("consultations:opinion_detail", args=[review.consultation.pk, opinion.pk]),
    )
    pin = f"{review.consultation.get_absolute_url()}#pin-{review.chair_point.pk}"
    assert f'href="{pin}"' in page and _("Show on the map") in page
    assert _("Place on the map: point") in page and ": Point" not in page
    assert f'id="item-{review.chair_point.pk}"' in page


def test_a_superseded_revision_offers_no_link_to_a_pin_it_no_longer_has(
    review: Review, as_user: Any, expert_user: Any
) -> None:
    first = review.chair_point.opinion
    _submit(expert_user, opinions_services.opinion_amend(actor=expert_user, opinion=first))
    page = _page(
        as_user(expert_user),
        reverse("consultations:opinion_detail", args=[review.consultation.pk, first.pk]),
    )
    assert _("Place on the map: point") in page and "#pin-" not in page


def _dossier_pins(client: Any, review: Review) -> set[int] | None:
    page = _page(client, review.consultation.dossier.get_absolute_url())
    pins = _embedded(page, "pins-map-pins")
    if pins is None:
        assert "data-pins-map" not in page
        return None
    return {feature["id"] for feature in pins["features"]}


def test_the_dossier_page_shows_the_pins_of_closed_rounds_only_to_those_who_may_read_them(
    review: Review,
    orgs: Any,
    as_user: Any,
    officer: Any,
    leadership: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
) -> None:
    pending = _expert(orgs, "Bùi Thanh Hương", "pending@example.vn")
    panel_services.invitations_send(
        actor=secretariat,
        consultation=review.consultation,
        picks=[panel_services.Pick(expert=pending.expert_profile)],
    )
    _submit(other_expert_user, review.member_opinion)
    everything = {review.chair_point.pk, review.member_line.pk, review.member_area.pk}
    # Not before the round is closed, not even to the lead agency.
    assert _dossier_pins(as_user(officer), review) is None
    assert _dossier_pins(as_user(expert_user), review) is None
    _close(review, officer, secretariat, other_expert_user)
    for user in (officer, leadership, secretariat, expert_user, other_expert_user):
        assert _dossier_pins(as_user(user), review) == everything, user
    # Blind review outlives the round: a member who never submitted reads no other
    # opinion, and an expert who never joined the panel none at all.
    assert _dossier_pins(as_user(review.silent), review) is None
    assert _dossier_pins(as_user(pending), review) is None


def test_the_dossier_page_reads_many_pins_in_the_same_number_of_queries(
    review: Review, as_user: Any, officer: Any, secretariat: Any, other_expert_user: Any
) -> None:
    _close(review, officer, secretariat, other_expert_user)
    client = as_user(officer)
    url = review.consultation.dossier.get_absolute_url()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    OpinionItem.objects.bulk_create(
        OpinionItem(opinion=review.member_opinion, order=n, content=f"Điểm {n}", geometry=POINT)
        for n in range(3, 43)
    )
    assert count() == few


def test_the_map_keeps_the_boundary_the_round_was_sent_with_after_a_revision(
    review: Review, as_user: Any, other_expert_user: Any
) -> None:
    from thamvan.dossiers.models import Dossier

    moved = {
        "type": "Polygon",
        "coordinates": [[[105.9, 21.1], [105.91, 21.1], [105.91, 21.11], [105.9, 21.1]]],
    }
    # A later version changed the dossier's current boundary; the round consulted the old one.
    Dossier.objects.filter(pk=review.consultation.dossier_id).update(boundary=moved)

    page = _page(as_user(other_expert_user), review.consultation.get_absolute_url())

    assert _embedded(page, "pins-map-boundary") == HANOI_POLYGON
