"""The consultation's pinned remarks as GeoJSON, for its maps."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from thamvan.consultations import access, maps
from thamvan.core.http import AuthedRequest


@login_required
@require_GET
def pins_geojson(request: AuthedRequest, pk: int) -> JsonResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    return JsonResponse(
        maps.consultation_pins(request.user, consultation),
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )
