from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Status

from config.api_common import Page, PageParams, paginate, responses
from thamvan.experts import services
from thamvan.experts.access import (
    can_declare_conflicts,
    get_conflict_declaration_for_user,
    get_expert_for_user,
)
from thamvan.experts.forms import ConflictDeclarationForm
from thamvan.experts.models import ConflictDeclaration, Expert
from thamvan.experts.schemas import (
    ConflictDeclarationIn,
    ConflictDeclarationOut,
    ExpertFilters,
    ExpertOut,
)

router = Router(tags=["experts"])


def _with_specialties(queryset: Any) -> Any:
    return queryset.prefetch_related("expert_specialties__specialty")


@router.get("", response=responses(Page[ExpertOut], not_found=False))
def list_experts(
    request: HttpRequest, filters: Query[ExpertFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """The registry for the secretariat, leadership and administrators; an expert sees only
    their own profile; anyone else gets an empty list. ``has_account=false`` lists the
    experts a panel invitation reaches by e-mailed link."""
    experts = Expert.objects.visible_to(request.user).search(filters.q)  # type: ignore[arg-type]
    if filters.specialty:
        experts = experts.filter(specialties__slug=filters.specialty)
    if filters.rank:
        experts = experts.filter(academic_rank=filters.rank)
    if filters.active is not None:
        experts = experts.filter(is_active=filters.active)
    if filters.has_account is not None:
        experts = experts.filter(user__isnull=not filters.has_account)
    return paginate(_with_specialties(experts.by_given_name()), page)


@router.get("/{expert_id}", response=responses(ExpertOut))
def get_expert(request: HttpRequest, expert_id: int) -> Expert:
    expert = get_expert_for_user(request.user, expert_id)  # type: ignore[arg-type]
    return _with_specialties(Expert.objects.filter(pk=expert.pk)).get()


# The form's field names as the API spells them.
_API_FIELDS = {
    "organization": "organization_id",
    "dossier": "dossier_id",
    "other_expert": "other_expert_id",
}


def _declarations(expert: Expert) -> Any:
    return expert.conflict_declarations.for_profile().select_related("expert")


@router.get("/{expert_id}/conflicts", response=responses(Page[ConflictDeclarationOut]))
def list_conflicts(request: HttpRequest, expert_id: int, page: Query[PageParams]) -> dict[str, Any]:
    """The expert's declared conflicts of interest, withdrawn ones included (those in force
    first), for the expert and the registry's readers."""
    expert = get_expert_for_user(request.user, expert_id)  # type: ignore[arg-type]
    return paginate(_declarations(expert), page)


@router.post("/{expert_id}/conflicts", response=responses(ConflictDeclarationOut, status=201))
def declare_conflict(
    request: HttpRequest, expert_id: int, payload: ConflictDeclarationIn
) -> Status:
    """Declare a conflict of interest (the expert), or record one on the expert's behalf
    (the secretariat), through `conflict_declare`; the fields must fit the `kind`."""
    expert = get_expert_for_user(request.user, expert_id)  # type: ignore[arg-type]
    # Permission before validation: a refusal says nothing about the fields.
    if not can_declare_conflicts(request.user, expert):  # type: ignore[arg-type]
        raise PermissionDenied(services.CANNOT_DECLARE)
    # The same form as the page: the same choices (dossiers the user may read) and rules.
    form = ConflictDeclarationForm(
        {
            "kind": str(payload.kind),
            "organization": payload.organization_id or "",
            "dossier": payload.dossier_id or "",
            "other_expert": payload.other_expert_id or "",
            "name": payload.name,
            "start_date": payload.start_date.isoformat(),
            "end_date": payload.end_date.isoformat() if payload.end_date else "",
            "reason": payload.reason,
        },
        expert=expert,
        actor=request.user,  # type: ignore[arg-type]
    )
    if not form.is_valid():
        raise ValidationError(
            {
                _API_FIELDS.get(field, field): [str(message) for message in errors]
                for field, errors in form.errors.items()
            },
            code="invalid",
        )
    declaration = services.conflict_declare(
        actor=request.user,  # type: ignore[arg-type]
        expert=expert,
        request=request,
        **form.cleaned_data,
    )
    return Status(201, _declarations(expert).get(pk=declaration.pk))


@router.post(
    "/{expert_id}/conflicts/{conflict_id}/withdraw",
    response=responses(ConflictDeclarationOut),
)
def withdraw_conflict(
    request: HttpRequest, expert_id: int, conflict_id: int
) -> ConflictDeclaration:
    """The expert withdraws their declaration (`conflict_withdraw`): it stays on record
    with `withdrawn_at`, and matching no longer counts it."""
    declaration = get_conflict_declaration_for_user(request.user, expert_id, conflict_id)  # type: ignore[arg-type]
    services.conflict_withdraw(actor=request.user, declaration=declaration, request=request)  # type: ignore[arg-type]
    return _declarations(declaration.expert).get(pk=declaration.pk)
