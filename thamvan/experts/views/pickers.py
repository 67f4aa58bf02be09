"""The options of the expert pickers, searched as the user types."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from thamvan.core.http import AuthedRequest
from thamvan.experts.access import can_read_registry
from thamvan.experts.models import Expert, ExpertQuerySet

PICK_LIMIT = 20
# Longer than any name; a longer query only makes more words to match.
QUERY_MAX_LENGTH = 100


@login_required
@require_GET
def expert_pick(request: AuthedRequest) -> JsonResponse:
    """Active experts the user may see whose name, keywords or number match ``q``.

    One query, at most PICK_LIMIT rows: the list is access-controlled and long,
    so the page never carries it whole.
    """
    experts = Expert.objects.visible_to(request.user).active()
    return _answer(request, experts)


@login_required
@require_GET
def colleague_pick(request: AuthedRequest) -> JsonResponse:
    """Active experts by titled name, for an expert declaring a conflict with another one.

    Experts may not read the registry, yet must be able to name a colleague: they get
    names only (no contacts, no profile), never their own. Registry readers get the same.
    """
    own = Expert.objects.filter(user=request.user).values_list("pk", flat=True).first()
    if own is None and not can_read_registry(request.user):
        raise PermissionDenied
    experts = Expert.objects.active()
    if own is not None:
        experts = experts.exclude(pk=own)
    return _answer(request, experts)


def _answer(request: AuthedRequest, experts: ExpertQuerySet) -> JsonResponse:
    query = request.GET.get("q", "")[:QUERY_MAX_LENGTH].strip()
    if query:
        experts = experts.search(query)
    rows = list(
        experts.by_given_name().only("pk", "full_name", "academic_rank", "degree")[: PICK_LIMIT + 1]
    )
    return JsonResponse(
        {
            "results": [{"value": str(e.pk), "text": str(e)} for e in rows[:PICK_LIMIT]],
            "more": len(rows) > PICK_LIMIT,
        }
    )
