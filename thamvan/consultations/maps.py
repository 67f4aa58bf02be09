"""The places opinion items are pinned to, as GeoJSON, for the maps of the consultation
page, the synthesis workspace and (once closed) the dossier page.

Which items: those of the opinions ``access.opinions_visible_to`` lets the user read
(blind review included), current revisions only, plus the user's own drafts. Whose
name: an expert of the panel is named only as ``access.invitations_visible_to``
allows, the one rule for naming the panel.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from thamvan.accounts.models import User
from thamvan.consultations import access
from thamvan.consultations.models import Consultation, Opinion, OpinionItem, State
from thamvan.dossiers.models import Dossier

# The shapes the opinion form lets an expert draw, and what the pages call them.
PIN_KINDS = {"Point": "point", "LineString": "line", "Polygon": "area"}
EXCERPT_CHARS = 160


def pinned_items(user: User, consultation: Consultation) -> QuerySet[OpinionItem]:
    """The items with a place on the map the user may read, in the synthesis's order."""
    opinions = access.opinions_visible_to(user, consultation).filter(
        # A superseded revision would pin the same remark twice; drafts are the user's own.
        Q(state=Opinion.Status.SUBMITTED, is_current=True) | Q(state=Opinion.Status.DRAFT)
    )
    return (
        OpinionItem.objects.filter(opinion__in=opinions, geometry__isnull=False)
        .select_related("opinion__expert")
        .order_by("opinion__submitted_at", "opinion_id", "order", "pk")
    )


def consultation_pins(user: User, consultation: Consultation) -> dict[str, Any]:
    """The visible pinned items as a GeoJSON FeatureCollection.

    ``consultation`` must come from ``access.get_consultation_for_user``. Each feature
    links to its row on the opinion's page (``url``); ``anchor`` names the row on pages
    that list the items themselves (the synthesis).
    """
    items = list(pinned_items(user, consultation))
    named = _named_experts(user, consultation) if items else set()
    opinion_urls: dict[int, str] = {}
    features = []
    for item in items:
        geometry = clean_geometry(item.geometry)
        if geometry is None:
            continue
        opinion = item.opinion
        if opinion.pk not in opinion_urls:
            opinion_urls[opinion.pk] = reverse(
                "consultations:opinion_detail", args=[consultation.pk, opinion.pk]
            )
        shows_author = (
            opinion.expert is None
            or opinion.expert_id in named
            or opinion.expert.user_id == user.pk
        )
        features.append(
            {
                "type": "Feature",
                "id": item.pk,
                "geometry": geometry,
                "properties": {
                    "id": item.pk,
                    "kind": PIN_KINDS[geometry["type"]],
                    "number": item.order,
                    "label": _("Remark %(number)s") % {"number": item.order},
                    "author": opinion.author_label if shows_author else None,
                    "excerpt": Truncator(item.content).chars(EXCERPT_CHARS),
                    "draft": opinion.state == Opinion.Status.DRAFT,
                    "consultation": consultation.pk,
                    "url": f"{opinion_urls[opinion.pk]}#item-{item.pk}",
                    "anchor": f"item-{item.pk}",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def dossier_pins(user: User, dossier: Dossier) -> dict[str, Any]:
    """The pins of the dossier's closed consultations the user may read, as one collection.

    ``dossier`` must come from ``thamvan.dossiers.access.get_dossier_for_user``. The
    queries grow with the number of closed rounds, never with the number of items.
    """
    closed = (
        Consultation.objects.visible_to(user)
        .filter(dossier=dossier, state=State.CLOSED)
        .select_related("dossier")
        .order_by("round_number", "pk")
    )
    features: list[dict[str, Any]] = []
    for consultation in closed:
        features += consultation_pins(user, consultation)["features"]
    return {"type": "FeatureCollection", "features": features}


def _named_experts(user: User, consultation: Consultation) -> set[int]:
    return set(
        access.invitations_visible_to(user, consultation).values_list("expert_id", flat=True)
    )


# --- Geometry ------------------------------------------------------------------------


def clean_geometry(value: Any) -> dict[str, Any] | None:
    """The geometry as Leaflet can draw it, or None when it is not a well-formed point,
    line or polygon in longitude and latitude (one bad pin must not break the map)."""
    if not isinstance(value, dict) or value.get("type") not in PIN_KINDS:
        return None
    kind, coordinates = value["type"], value.get("coordinates")
    cleaned: Any
    if kind == "Point":
        cleaned = _position(coordinates)
    elif kind == "LineString":
        cleaned = _positions(coordinates, at_least=2)
    else:
        rings = coordinates if isinstance(coordinates, list) else []
        cleaned = [_positions(ring, at_least=4) for ring in rings]
        if not all(cleaned):
            cleaned = None
    return {"type": kind, "coordinates": cleaned} if cleaned else None


def _position(value: Any) -> list[float] | None:
    if not isinstance(value, list) or len(value) < 2:
        return None
    lon, lat = value[0], value[1]
    if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in (lon, lat)):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return [float(lon), float(lat)]


def _positions(value: Any, *, at_least: int) -> list[list[float]] | None:
    if not isinstance(value, list) or len(value) < at_least:
        return None
    positions = [_position(p) for p in value]
    cleaned = [p for p in positions if p is not None]
    return cleaned if len(cleaned) == len(positions) else None
