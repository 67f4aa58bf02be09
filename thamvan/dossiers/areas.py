"""Whether a dossier's area is plausible for its kind and scale (``AreaRange``).

The answer is a warning, never a refusal: the area is saved, and the form and
the API say what looks wrong so the user checks the boundary and the scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from thamvan.dossiers.models import AreaRange, Dossier

AREA_ABOVE_USUAL = _(
    "The area, %(area)s ha, is larger than usual for this kind of plan and scale "
    "(%(plan)s: at most %(limit)s ha). Check the boundary, the kind and the scale."
)
AREA_BELOW_USUAL = _(
    "The area, %(area)s ha, is smaller than usual for this kind of plan and scale "
    "(%(plan)s: at least %(limit)s ha). Check the boundary, the kind and the scale."
)


@dataclass(frozen=True)
class AreaWarning:
    code: str
    detail: str


def _hectares(value: Decimal) -> str:
    whole = value == value.to_integral_value()
    return number_format(value, decimal_pos=0 if whole else 2, force_grouping=True)


def area_warnings(dossier: Dossier, day: date | None = None) -> list[AreaWarning]:
    """What is implausible about the dossier's area on ``day`` (today by default)."""
    if dossier.area_ha is None:
        return []
    usual = AreaRange.objects.applying(dossier.kind, dossier.scale, day or timezone.localdate())
    if usual is None:
        return []
    if usual.max_ha is not None and dossier.area_ha > usual.max_ha:
        code, message, limit = "area_above_usual", AREA_ABOVE_USUAL, usual.max_ha
    elif usual.min_ha is not None and dossier.area_ha < usual.min_ha:
        code, message, limit = "area_below_usual", AREA_BELOW_USUAL, usual.min_ha
    else:
        return []
    plan = ", ".join(part for part in (dossier.get_kind_display(), dossier.scale_display) if part)
    detail = str(message) % {
        "area": number_format(dossier.area_ha, decimal_pos=2, force_grouping=True),
        "plan": plan,
        "limit": _hectares(limit),
    }
    return [AreaWarning(code=code, detail=detail)]
