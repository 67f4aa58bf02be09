"""After the review: the chair's synthesis, the report, the agency's responses, downloads."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thamvan.consultations import access, lifecycle
from thamvan.consultations.forms import (
    ReportForm,
    ResponseForm,
    RevisionForm,
    SynthesisForm,
    error_text,
)
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation, OpinionItem, Response
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.core.http import AuthedRequest
from thamvan.core.limits import rate_limit
from thamvan.core.locking import EditConflict
from thamvan.documents.downloads import generated_document_response
from thamvan.documents.services import report_symbol

GROUPINGS = ("question", "section", "topic", "verdict")


def _items(consultation: Consultation) -> Any:
    return (
        outcome_services.items_to_answer(consultation)
        .select_related("opinion__expert", "question", "document", "response")
        .order_by("opinion__submitted_at", "opinion_id", "order", "pk")
    )


def _group(items: list[OpinionItem], by: str) -> list[tuple[str, list[OpinionItem]]]:
    groups: dict[str, list[OpinionItem]] = defaultdict(list)
    for item in items:
        if by == "question":
            key = f"{item.question.order}. {item.question.text}" if item.question else ""
        elif by == "section":
            key = item.target_label
        elif by == "verdict":
            key = item.opinion.get_verdict_display()
        else:
            key = item.topic
        groups[key or _("(none)")].append(item)
    return sorted(groups.items(), key=lambda pair: pair[0])


@login_required
@require_http_methods(["GET", "POST"])
def synthesis(request: AuthedRequest, pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    if not lifecycle.may("synthesize", request.user, consultation):
        raise PermissionDenied
    items = list(_items(consultation))
    form = SynthesisForm(
        request.POST or None,
        initial={
            "lock_version": consultation.synthesis_lock_version,
            "introduction": consultation.introduction,
            "conclusions": consultation.conclusions,
            "recommendations": consultation.recommendations,
        },
    )
    editable = lifecycle.can("synthesize", request.user, consultation)
    if request.method == "POST" and form.is_valid():
        topics = {
            item.pk: request.POST.get(f"topic_{item.pk}", item.topic)
            for item in items
            if f"topic_{item.pk}" in request.POST
        }
        try:
            synthesis_services.synthesis_save(
                actor=request.user,
                consultation=consultation,
                lock_version=form.cleaned_data["lock_version"],
                introduction=form.cleaned_data["introduction"],
                conclusions=form.cleaned_data["conclusions"],
                recommendations=form.cleaned_data["recommendations"],
                topics=topics,
            )
        except ConsultationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The synthesis was saved."))
            return redirect("consultations:synthesis", consultation.pk)
    by = request.GET.get("by", "topic")
    if by not in GROUPINGS:
        by = "topic"
    return TemplateResponse(
        request,
        "consultations/synthesis.html",
        {
            "consultation": consultation,
            "form": form,
            "groups": _group(items, by),
            "by": by,
            "groupings": GROUPINGS,
            "editable": editable,
            "report_form": ReportForm(symbol=report_symbol(consultation)),
            "can_issue": lifecycle.can("issue_report", request.user, consultation),
        },
    )


@login_required
@require_POST
def issue_report(request: AuthedRequest, pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    if not lifecycle.may("issue_report", request.user, consultation):
        raise PermissionDenied
    form = ReportForm(request.POST, symbol=report_symbol(consultation))
    if not form.is_valid():
        # Issuing cannot be undone: never with a number other than the one typed.
        messages.error(
            request, _("The report was not issued: %(errors)s") % {"errors": error_text(form)}
        )
        return redirect("consultations:synthesis", consultation.pk)
    try:
        synthesis_services.consultation_issue_report(
            actor=request.user,
            consultation=consultation,
            report_number=form.cleaned_data["report_number"],
        )
    except ConsultationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("consultations:synthesis", consultation.pk)
    messages.success(request, _("The report was issued; its documents are being generated."))
    return redirect(consultation)


Row = tuple[OpinionItem, Response | None, ResponseForm]


def _row(item: OpinionItem, form: ResponseForm | None = None) -> Row:
    response = getattr(item, "response", None)
    return (
        item,
        response,
        form
        or ResponseForm(
            prefix=f"item{item.pk}",
            initial={
                "result": response.result,
                "explanation": response.explanation,
                "lock_version": response.lock_version,
            }
            if response
            else {"lock_version": 0},
        ),
    )


def _answer(request: AuthedRequest, item: OpinionItem) -> tuple[ResponseForm, bool]:
    """Save one row of the posted table; the form carries its errors if it was not saved."""
    form = ResponseForm(request.POST, prefix=f"item{item.pk}")
    if not form.is_valid():
        return form, False
    response = getattr(item, "response", None)
    data = form.cleaned_data
    if response is not None and (response.result, response.explanation) == (
        data["result"],
        data["explanation"].strip(),
    ):
        return form, False
    try:
        saved = outcome_services.response_record(
            actor=request.user,
            item=item,
            result=data["result"],
            explanation=data["explanation"],
            lock_version=data["lock_version"],
        )
    except EditConflict as conflict:
        form.keep_after_conflict(conflict)
        # Show the answer saved meanwhile beside what this user typed.
        if (current := Response.objects.filter(item=item).first()) is not None:
            item.response = current
        return form, False
    except ConsultationError as error:
        form.add_error(None, error)
        return form, False
    item.response = saved
    return form, True


def _summary(rows: list[Row]) -> dict[str, Any]:
    """How many items got each result, and how many still wait for one."""
    counts = Counter(response.result for _item, response, _form in rows if response is not None)
    return {
        "results": [(label, counts[value]) for value, label in Response.Result.choices],
        "answered": counts.total(),
        "unanswered": len(rows) - counts.total(),
        "total": len(rows),
    }


@login_required
@require_http_methods(["GET", "POST"])
def responses(request: AuthedRequest, pk: int) -> HttpResponse:
    """All items on one page: each row saves as it changes (htmx), "Save all" saves the
    rows a browser without JavaScript sends; the review and the close follow the table."""
    consultation = access.get_consultation_for_user(request.user, pk)
    if not access.can_read_documents(request.user, consultation):
        raise PermissionDenied
    can_answer = lifecycle.can("answer", request.user, consultation)
    items = list(_items(consultation))
    forms: dict[int, ResponseForm] = {}
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied
        if item_pk := request.POST.get("item", ""):
            item = next((i for i in items if str(i.pk) == item_pk), None)
            if item is None:
                raise Http404
            prefix = f"item{item.pk}"
            if request.htmx and not request.POST.get(f"{prefix}-result"):
                # An explanation typed before the result is kept, not refused.
                form = ResponseForm(
                    prefix=prefix,
                    initial={
                        "explanation": request.POST.get(f"{prefix}-explanation", ""),
                        "lock_version": request.POST.get(f"{prefix}-lock_version", 0),
                    },
                )
                saved = False
            else:
                form, saved = _answer(request, item)
            if request.htmx:
                # The review above the table comes back in the same answer, swapped out of
                # band: a second request could land before or after the save it counts.
                return TemplateResponse(
                    request,
                    "consultations/_response_saved.html",
                    {
                        **_review_context(request, consultation, items),
                        "row": _row(item, None if saved else form),
                        "number": items.index(item) + 1,
                        "can_answer": True,
                        "saved": saved,
                    },
                )
            if saved or not form.errors:
                if saved:
                    messages.success(request, _("The response was saved."))
                return redirect(f"{request.path}#item-{item.pk}")
            forms[item.pk] = form
        else:
            saved_count = 0
            for item in items:
                # A row left without a result is still to be answered, not an error.
                if not request.POST.get(f"item{item.pk}-result"):
                    continue
                form, saved = _answer(request, item)
                saved_count += saved
                if form.errors:
                    forms[item.pk] = form
            if not forms:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s response was saved.",
                        "%(count)s responses were saved.",
                        saved_count,
                    )
                    % {"count": saved_count},
                )
                return redirect(f"{request.path}#review")
            messages.error(request, _("Some responses were not saved; see the marked rows."))
    context = {
        **_review_context(request, consultation, items, forms),
        "can_answer": can_answer,
        "revision_form": RevisionForm(consultation=consultation) if can_answer else None,
    }
    if request.htmx and request.GET.get("part") == "review":
        return TemplateResponse(request, "consultations/responses.html#review", context)
    return TemplateResponse(request, "consultations/responses.html", context)


def _review_context(
    request: AuthedRequest,
    consultation: Consultation,
    items: list[OpinionItem],
    forms: dict[int, ResponseForm] | None = None,
) -> dict[str, Any]:
    """The rows, their counts and the close action, as the review shows them."""
    rows = [_row(item, (forms or {}).get(item.pk)) for item in items]
    return {
        "consultation": consultation,
        "rows": rows,
        "summary": _summary(rows),
        "close": lifecycle.ActionState(
            lifecycle.ACTIONS["close"], lifecycle.unmet("close", consultation)
        )
        if lifecycle.can("close", request.user, consultation)
        else None,
    }


@login_required
@require_POST
def link_revision(request: AuthedRequest, pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    if not access.is_agency(request.user, consultation):
        raise PermissionDenied
    form = RevisionForm(request.POST, consultation=consultation)
    if form.is_valid():
        try:
            outcome_services.consultation_link_revision(
                actor=request.user, consultation=consultation, version=form.cleaned_data["version"]
            )
        except ConsultationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The revised dossier version was linked."))
    return redirect("consultations:responses", consultation.pk)


@login_required
@require_GET
@rate_limit("download")
def document_download(request: AuthedRequest, pk: int, document_pk: int) -> FileResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    return generated_document_response(request, request.user, consultation, document_pk)
