"""Guests: the manager's side (invite, remove, send again) and the guest's own pages,
opened without an account through the personal link of the invitation e-mail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thamvan import audit
from thamvan.core.http import AuthedRequest
from thamvan.core.limits import rate_limit
from thamvan.events.access import (
    get_guest_invitation,
    get_invitation_for_update,
    get_workshop_for_update,
)
from thamvan.events.forms import GuestForm, GuestReplyForm
from thamvan.events.ical import calendar
from thamvan.events.models import Invitation
from thamvan.events.services import (
    GuestError,
    WorkshopError,
    guest_email_resend,
    guest_reply,
    workshop_invite_guest,
    workshop_remove_guest,
)
from thamvan.events.views.workshops import detail_context, ics_response, run_action
from thamvan.search.normalize import slugify_vi

# --- The workshop manager's side ---------------------------------------------------


@login_required
@require_POST
def guest_invite(request: AuthedRequest, pk: int) -> HttpResponse:
    workshop = get_workshop_for_update(request.user, pk)
    form = GuestForm(request.POST)
    if form.is_valid():
        try:
            workshop_invite_guest(actor=request.user, workshop=workshop, **form.cleaned_data)
        except GuestError as error:
            form.add_error(error.field, error)
        except WorkshopError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("%(name)s was invited.") % {"name": form.cleaned_data["name"]}
            )
            return redirect(workshop)
    # Shown again on the workshop page with what was typed and why it was refused.
    return TemplateResponse(
        request, "events/detail.html", detail_context(request, workshop, guest_form=form)
    )


@login_required
@require_POST
def guest_remove(request: AuthedRequest, pk: int, invitation_pk: int) -> HttpResponse:
    invitation = get_invitation_for_update(request.user, pk, invitation_pk)
    return run_action(
        request,
        invitation.workshop,
        lambda: workshop_remove_guest(actor=request.user, invitation=invitation),
        _("%(name)s was taken off the list; their link no longer works.")
        % {"name": invitation.invitee_name},
    )


@login_required
@require_POST
def guest_resend(request: AuthedRequest, pk: int, invitation_pk: int) -> HttpResponse:
    invitation = get_invitation_for_update(request.user, pk, invitation_pk)
    return run_action(
        request,
        invitation.workshop,
        lambda: guest_email_resend(actor=request.user, invitation=invitation),
        _("The invitation e-mail to %(email)s is being sent again.")
        % {"email": invitation.guest_email},
    )


# --- The guest's side: no account, the link is the key ------------------------------


def _refused(request: HttpRequest, invitation: Invitation | None, reason: str) -> HttpResponse:
    """The page for a link that does not work: 404 when it names nothing, 410 when it
    named an invitation whose time is over. Recorded either way."""
    audit.record(
        actor=None,
        action="workshop.guest_link_refused",
        target=invitation.workshop if invitation is not None else None,
        data={"reason": reason, "method": request.method},
        request=request,
    )
    context: dict[str, Any] = {"reason": reason, "invitation": invitation}
    status = 404 if invitation is None else 410
    return TemplateResponse(request, "events/guest_link_refused.html", context, status=status)


def _guest_invitation(request: HttpRequest, token: str) -> tuple[Invitation | None, str]:
    """The invitation of the link, or None and why it does not work."""
    try:
        invitation = get_guest_invitation(token)
    except Http404:
        return None, "unknown"
    if invitation.workshop.status == invitation.workshop.Status.CANCELLED:
        return invitation, "cancelled"
    if invitation.guest_link_expired(timezone.now()):
        return invitation, "expired"
    return invitation, ""


@never_cache
@rate_limit("guest_link")
@require_http_methods(["GET", "POST"])
def guest_page(request: HttpRequest, token: str) -> HttpResponse:
    """The workshop as the guest sees it, and their reply, which they may change until
    the start."""
    invitation, problem = _guest_invitation(request, token)
    if invitation is None or problem:
        return _refused(request, invitation, problem)
    form = GuestReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            guest_reply(
                invitation=invitation,
                accept=form.cleaned_data["accept"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except WorkshopError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you: your reply was recorded."))
            # Back to the page by GET, so reloading it does not send the reply again.
            return redirect("events:guest", token=token)
    if request.method == "GET":
        audit.record(
            actor=None,
            action="workshop.guest_link_opened",
            target=invitation.workshop,
            data={"invitation": invitation.pk},
            request=request,
        )
    workshop = invitation.workshop
    return TemplateResponse(
        request,
        "events/guest.html",
        {
            "invitation": invitation,
            "workshop": workshop,
            "form": form,
            "token": token,
            "zone": settings.TIME_ZONE,
        },
    )


@never_cache
@rate_limit("guest_link")
@require_GET
def guest_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The workshop for the guest's calendar, through their link."""
    invitation, problem = _guest_invitation(request, token)
    if invitation is None or problem:
        return _refused(request, invitation, problem)
    workshop = invitation.workshop
    text = calendar([workshop], name=workshop.topic, now=timezone.now(), with_url=False)
    audit.record(
        actor=None,
        action="workshop.guest_ics_downloaded",
        target=workshop,
        data={"invitation": invitation.pk},
        request=request,
    )
    return ics_response(text, f"{slugify_vi(workshop.topic)[:60] or 'hoi-thao'}.ics")
