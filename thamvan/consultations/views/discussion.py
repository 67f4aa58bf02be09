"""The panel's discussion: a thread on the consultation page and the synthesis workspace
(the latest messages), its own page (every message, paginated), and posting to it with
htmx or a plain form. Who reads it: ``access.discussion_visible_to``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from thamvan.accounts.models import User
from thamvan.consultations import access, lifecycle
from thamvan.consultations.forms import DiscussionForm
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation, DiscussionMessage
from thamvan.consultations.services import discussion as discussion_services
from thamvan.consultations.services.discussion import (
    DISCUSSION_OPENS_ON_SUBMISSION,
    REPLY_ELSEWHERE,
)
from thamvan.core.http import AuthedRequest

# The thread on the consultation page and the synthesis shows the latest messages; the
# discussion page has them all, a page at a time.
SHOWN_IN_THREAD = 20
PAGE_SIZE = 50
# Where a plain (not htmx) post returns: the page the form was on.
RETURN_TO = ("detail", "synthesis", "discussion")


def _messages(consultation: Consultation) -> Any:
    return consultation.discussion_messages.select_related("author", "reply_to__author")


def _participation(
    user: User, consultation: Consultation, return_to: str, form: DiscussionForm | None
) -> dict[str, Any]:
    return {
        "consultation": consultation,
        "visible": True,
        "can_post": lifecycle.can("discuss", user, consultation),
        "can_conclude": lifecycle.can("conclude", user, consultation),
        # The synthesis workspace offers the chair's conclusion to its conclusions field.
        "copy_conclusions": return_to == "synthesis"
        and lifecycle.can("synthesize", user, consultation),
        "form": form or DiscussionForm(),
        "return_to": return_to,
        "htmx_form": return_to != "discussion",
    }


def thread_context(
    user: User,
    consultation: Consultation,
    *,
    return_to: str = "detail",
    form: DiscussionForm | None = None,
) -> dict[str, Any]:
    """What ``_discussion.html`` needs: the latest messages. Nothing about the thread for
    those who may not read it, so that not even its length shows."""
    if not access.discussion_visible_to(user, consultation):
        return {
            "consultation": consultation,
            "visible": False,
            "opens_on_submission": access.discussion_opens_on_submission(user, consultation),
            "opens_on_submission_note": DISCUSSION_OPENS_ON_SUBMISSION,
        }
    latest = list(_messages(consultation).order_by("-created_at", "-pk")[:SHOWN_IN_THREAD])
    return {
        **_participation(user, consultation, return_to, form),
        "thread": latest[::-1],
        "total": consultation.discussion_messages.count(),
    }


def _readable(request: AuthedRequest, pk: int) -> Consultation:
    consultation = access.get_consultation_for_user(request.user, pk)
    if not access.discussion_visible_to(request.user, consultation):
        raise PermissionDenied
    return consultation


def _reply_to(consultation: Consultation, pk: int | None) -> DiscussionMessage | None:
    return None if pk is None else consultation.discussion_messages.filter(pk=pk).first()


def _post(
    request: AuthedRequest, consultation: Consultation, form: DiscussionForm
) -> DiscussionMessage | None:
    """Post the form's message, or put the refusal on the form."""
    if not form.is_valid():
        return None
    reply_pk = form.cleaned_data["reply_to"]
    reply_to = _reply_to(consultation, reply_pk)
    if reply_pk is not None and reply_to is None:
        form.add_error(None, REPLY_ELSEWHERE)
        return None
    try:
        return discussion_services.discussion_post(
            actor=request.user,
            consultation=consultation,
            body=form.cleaned_data["body"],
            is_conclusion=form.cleaned_data["is_conclusion"],
            reply_to=reply_to,
        )
    except ConsultationError as error:
        if error.code == "forbidden":
            raise PermissionDenied from error
        form.add_error(None, error)
        return None


def _page_context(
    request: AuthedRequest, consultation: Consultation, form: DiscussionForm
) -> dict[str, Any]:
    paginator = Paginator(_messages(consultation).order_by("created_at", "pk"), PAGE_SIZE)
    # The newest messages by default: the end of the conversation is what one comes for.
    page_obj = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    reply_pk = form["reply_to"].value()
    reply_to = _reply_to(consultation, int(reply_pk)) if str(reply_pk or "").isdigit() else None
    return {
        **_participation(request.user, consultation, "discussion", form),
        "page_obj": page_obj,
        "thread": page_obj.object_list,
        "reply_to": reply_to,
    }


@login_required
@require_http_methods(["GET", "POST"])
def discussion(request: AuthedRequest, pk: int) -> HttpResponse:
    consultation = _readable(request, pk)
    return_to = request.POST.get("return_to", "discussion")
    if return_to not in RETURN_TO:
        return_to = "discussion"
    if request.method == "GET":
        reply = request.GET.get("reply_to", "")
        form = DiscussionForm(initial={"reply_to": reply} if reply.isdigit() else {})
        return TemplateResponse(
            request, "consultations/discussion.html", _page_context(request, consultation, form)
        )
    form = DiscussionForm(request.POST)
    posted = _post(request, consultation, form)
    if request.htmx:
        # htmx swaps successful answers only: errors come back in the partial with a 200.
        context = thread_context(
            request.user,
            consultation,
            return_to=return_to,
            form=None if posted is not None else form,
        )
        return TemplateResponse(request, "consultations/_discussion.html", context)
    if posted is None:
        return TemplateResponse(
            request,
            "consultations/discussion.html",
            _page_context(request, consultation, form),
            status=400,
        )
    messages.success(request, _("Your message was posted."))
    targets = {
        "detail": consultation.get_absolute_url(),
        "synthesis": reverse("consultations:synthesis", args=[consultation.pk]),
        "discussion": reverse("consultations:discussion", args=[consultation.pk]),
    }
    return redirect(f"{targets[return_to]}#message-{posted.pk}")
