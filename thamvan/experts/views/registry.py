"""The registry list, profiles, the secretariat's forms and the export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from thamvan import audit
from thamvan.accounts.forms import ExpertAccountsForm
from thamvan.audit.services import Action
from thamvan.core.http import AuthedRequest
from thamvan.core.limits import rate_limit
from thamvan.core.locking import EditConflict
from thamvan.core.pagination import paginate, query_without_page
from thamvan.core.uploads import safe_content_disposition
from thamvan.experts.access import (
    can_declare_conflicts,
    can_manage_registry,
    can_read_registry,
    can_withdraw_conflicts,
    get_expert_for_update,
    get_expert_for_user,
)
from thamvan.experts.forms import (
    AffiliationFormSet,
    ConflictDeclarationForm,
    ExpertFilterForm,
    ExpertForm,
    UnavailablePeriodFormSet,
    keep_input_after_conflict,
)
from thamvan.experts.importing import write_registry
from thamvan.experts.models import Expert, ExpertSpecialty
from thamvan.experts.services import expert_save
from thamvan.experts.views.accounts import account_panel

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_reader(request: AuthedRequest) -> None:
    if not can_read_registry(request.user):
        raise PermissionDenied


@login_required
@require_GET
def expert_list(request: AuthedRequest) -> TemplateResponse:
    _require_reader(request)
    filters = ExpertFilterForm(request.GET)
    experts = filters.filter(Expert.objects.visible_to(request.user)).for_list().by_given_name()
    can_manage = can_manage_registry(request.user)
    context = {
        "filters": filters,
        "page_obj": paginate(request, experts),
        "query_string": query_without_page(request),
        "can_manage": can_manage,
        # The bulk "create accounts and invite" under the list.
        "accounts_form": ExpertAccountsForm(actor=request.user) if can_manage else None,
    }
    template = "experts/list.html#results" if request.htmx else "experts/list.html"
    return TemplateResponse(request, template, context)


@login_required
@require_GET
@rate_limit("export")
def expert_export(request: AuthedRequest) -> HttpResponse:
    _require_reader(request)
    filters = ExpertFilterForm(request.GET)
    experts = filters.filter(Expert.objects.visible_to(request.user)).for_list().by_given_name()
    rows = 0

    def counted() -> Any:
        nonlocal rows
        for expert in experts.iterator(chunk_size=500):
            rows += 1
            yield expert

    content = write_registry(counted())
    # Contacts of named people leave the system: who took how many, with which filters.
    audit.record(
        actor=request.user,
        action=Action.EXPORT,
        target_type="experts.expert",
        data={
            "format": "xlsx",
            "rows": rows,
            "filters": {key: request.GET.getlist(key) for key in sorted(request.GET)},
        },
        request=request,
    )
    filename = f"chuyen-gia-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = safe_content_disposition(filename)
    return response


def profile_context(request: AuthedRequest, expert: Expert) -> dict[str, Any]:
    is_own = expert.user_id is not None and expert.user_id == request.user.pk
    # The specialties list and the primary badge read the same links: one query.
    prefetch_related_objects(
        [expert],
        Prefetch(
            "expert_specialties", queryset=ExpertSpecialty.objects.select_related("specialty")
        ),
    )
    return {
        "expert": expert,
        "specialties": expert.ordered_specialties,
        "affiliations": expert.affiliations.select_related("organization").order_by(
            "-start_date", "-pk"
        ),
        "unavailable_periods": expert.unavailable_periods.order_by("-start_date", "-pk"),
        "publications": [line.strip() for line in expert.publications.splitlines() if line.strip()],
        "today": timezone.localdate(),
        "is_own": is_own,
        "can_manage": can_manage_registry(request.user),
        # Contacts are personal data: the registry's readers and the expert only.
        "show_contacts": is_own or can_read_registry(request.user),
        "declarations": expert.conflict_declarations.for_profile(),
        "can_withdraw_conflicts": can_withdraw_conflicts(request.user, expert),
        "conflict_form": ConflictDeclarationForm(expert=expert, actor=request.user)
        if can_declare_conflicts(request.user, expert)
        else None,
        "account": account_panel(request, expert),
    }


@login_required
@require_GET
def expert_detail(request: AuthedRequest, pk: int) -> TemplateResponse:
    expert = get_expert_for_user(request.user, pk)
    return TemplateResponse(request, "experts/detail.html", profile_context(request, expert))


def _expert_form_page(request: AuthedRequest, expert: Expert | None) -> HttpResponse:
    instance = expert or Expert()
    data = request.POST if request.method == "POST" else None
    form = ExpertForm(data, instance=instance)
    affiliations = AffiliationFormSet(data, instance=instance, prefix="affiliations")
    unavailable = UnavailablePeriodFormSet(data, instance=instance, prefix="unavailable")
    if request.method == "POST" and all(
        [form.is_valid(), affiliations.is_valid(), unavailable.is_valid()]
    ):
        try:
            saved = expert_save(
                actor=request.user,
                form=form,
                affiliations=affiliations,
                unavailable_periods=unavailable,
                request=request,
            )
        except EditConflict as conflict:
            keep_input_after_conflict(form, [affiliations, unavailable], conflict)
        else:
            if expert is None:
                messages.success(request, _("The expert was added to the registry."))
            else:
                messages.success(request, _("The expert's profile was saved."))
            return redirect(saved)
    return TemplateResponse(
        request,
        "experts/form.html",
        {
            "form": form,
            "affiliations": affiliations,
            "unavailable": unavailable,
            "expert": expert,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def expert_create(request: AuthedRequest) -> HttpResponse:
    if not can_manage_registry(request.user):
        raise PermissionDenied
    return _expert_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def expert_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    expert = get_expert_for_update(request.user, pk)
    if not can_manage_registry(request.user):
        # The owner keeps their profile through the own-profile form.
        return redirect("experts:me_edit")
    return _expert_form_page(request, expert)
