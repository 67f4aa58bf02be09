"""The map of pinned remarks on the consultation, synthesis and dossier pages.

Inclusion tags rather than context variables, so the pages' views stay as they are;
the pins themselves come from ``thamvan.consultations.maps``.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from thamvan.consultations.maps import dossier_pins
from thamvan.consultations.models import Consultation
from thamvan.dossiers.models import Dossier
from thamvan.dossiers.views import map_config

register = template.Library()


@register.inclusion_tag("consultations/_pins_map.html")
def consultation_pins_map(consultation: Consultation) -> dict[str, Any]:
    """The consulted version's boundary and the pins the user may read, fetched by the page; the
    consultation comes from the view, which read it through the access helper."""
    return {
        "show": True,
        "title": _("Remarks on the map"),
        "config": map_config(),
        "boundary": consultation.version.boundary,
        "pins_url": reverse("consultations:pins", args=[consultation.pk]),
        "load_leaflet": True,
    }


@register.inclusion_tag("consultations/_pins_map.html", takes_context=True)
def dossier_pins_map(context: template.Context, dossier: Dossier) -> dict[str, Any]:
    """The pins of the dossier's closed consultations, shown only to those who may read
    some of them."""
    pins = dossier_pins(context["request"].user, dossier)
    return {
        "show": bool(pins["features"]),
        "title": _("Remarks of the closed consultations on the map"),
        "config": map_config(),
        "boundary": dossier.boundary,
        "pins": pins,
        # The dossier page already loads Leaflet in its head when there is a boundary.
        "load_leaflet": not dossier.boundary,
    }
