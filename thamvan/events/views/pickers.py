"""The options of the invitee picker, searched as the user types."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from thamvan.core.http import AuthedRequest
from thamvan.events.access import can_manage_workshops
from thamvan.events.forms import invitee_label
from thamvan.events.models import invitable_users
from thamvan.search.normalize import fold, nfc

PICK_LIMIT = 20
# Longer than any name or address; a longer query only makes more words to match.
QUERY_MAX_LENGTH = 100


@login_required
@require_GET
def invitee_pick(request: AuthedRequest) -> JsonResponse:
    """People with an account whose name or e-mail address holds every word of ``q``.

    For whoever runs workshops only; one query, at most PICK_LIMIT rows, so the
    page never carries everyone who could be invited.
    """
    if not can_manage_workshops(request.user):
        raise PermissionDenied
    query = request.GET.get("q", "")[:QUERY_MAX_LENGTH]
    users = invitable_users()
    for word in fold(nfc(query)).split():
        # The sort key holds the folded name: "duc" finds "Đức".
        users = users.filter(Q(sort_name__contains=word) | Q(email__icontains=word))
    rows = list(
        users.order_by("sort_name", "pk").only("pk", "full_name", "email")[: PICK_LIMIT + 1]
    )
    return JsonResponse(
        {
            "results": [{"value": str(u.pk), "text": invitee_label(u)} for u in rows[:PICK_LIMIT]],
            "more": len(rows) > PICK_LIMIT,
        }
    )
