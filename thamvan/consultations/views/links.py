"""The personal invitation link, opened without signing in (``services.links``).

The expert reads the invitation (the dossier in brief, the questions, the answer date)
and accepts with the independence declaration, then chooses a password, which makes
their account and signs them in; or declines with a reason, with no account. A link
that is gone (altered, superseded, revoked, expired) answers a page that says so,
404 or 410. Every opening is audited. The pages are never cached and send the origin
alone as Referer, so the token stays out of caches and of the logs of later requests;
a form sent back with errors answers 200, as Django's request log would otherwise
record the live link's address.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from thamvan import audit
from thamvan.accounts import mfa
from thamvan.accounts.models import User
from thamvan.audit.services import Action
from thamvan.consultations.forms import ActivationForm, DeclarationForm, ReasonForm
from thamvan.consultations.lifecycle import ACTIONS, ConsultationError
from thamvan.consultations.models import Consultation, InvitationLink
from thamvan.consultations.services import links
from thamvan.consultations.services._common import INDEPENDENCE_REQUIRED
from thamvan.consultations.services.links import GONE_STATES, LinkState
from thamvan.core.limits import rate_limit

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The page's address carries the token: a Referer sent from the page names the
    origin only, never the path (the site's same-origin policy would send the whole
    address within the site), and no search engine keeps the page. Not "no-referrer":
    the browser would then send ``Origin: null`` with the forms, which CSRF refuses."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "strict-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def _status_page(
    request: HttpRequest, link: InvitationLink | None, state: str, status: int = 200
) -> TemplateResponse:
    invitation = link.invitation if link is not None else None
    consultation = invitation.consultation if invitation is not None else None
    return TemplateResponse(
        request,
        "consultations/link_status.html",
        {
            "state": state,
            "invitation": invitation,
            "consultation": consultation,
            "sign_in_url": _sign_in_url(consultation) if consultation is not None else "",
        },
        status=status,
    )


def _sign_in_url(consultation: Consultation) -> str:
    return reverse("accounts:login") + "?" + urlencode({"next": consultation.get_absolute_url()})


def _landing(consultation: Consultation) -> str:
    """Where a new member goes: the opinion editor once the review runs."""
    if consultation.state in ACTIONS["write_opinion"].from_states:
        return reverse("consultations:opinion_workspace", args=[consultation.pk])
    return consultation.get_absolute_url()


def _sign_in(request: HttpRequest, user: User, target: str) -> HttpResponse:
    """Sign the new member in, through the second step when their roles require one."""
    if mfa.needs_second_step(user):
        mfa.start_pending(request, user, next_url=target, backend=BACKEND)
        return redirect("mfa:enrol")
    login(request, user, backend=BACKEND)  # cycles the session key
    request.session[mfa.MFA_SESSION_KEY] = mfa.PASSWORD_ONLY
    audit.record(
        actor=user,
        action=Action.LOGIN_SUCCEEDED,
        data={"mfa": "none", "via": "invitation_link"},
        request=request,
    )
    return redirect(target)


def _joined(request: HttpRequest, consultation: Consultation) -> None:
    messages.success(request, _("You joined the expert panel."))
    if consultation.state not in ACTIONS["write_opinion"].from_states:
        messages.info(request, _("You can write your opinion once the review starts."))


@never_cache
@_private
@rate_limit("invitation_link")
@require_http_methods(["GET", "POST"])
def link_open(request: HttpRequest, token: str) -> HttpResponse:
    link = links.link_find(token)
    state = links.link_state(link)
    user = request.user
    if link is None:
        links.link_record_use(None, state, request=request)
        return _status_page(request, None, state, status=404)
    invitation = link.invitation
    expert = invitation.expert
    if state in GONE_STATES:
        links.link_record_use(link, state, request=request)
        return _status_page(request, link, state, status=410)
    if state == LinkState.ACTIVATED and user.is_authenticated and user.pk == expert.user_id:
        links.link_record_use(link, state, request=request)
        return redirect(invitation.consultation)
    if state != LinkState.OPEN:
        links.link_record_use(link, state, request=request)
        return _status_page(request, link, state)
    account = links.existing_account(expert)
    owner_signed_in = account is not None and user.is_authenticated and user.pk == account.pk
    if user.is_authenticated and not owner_signed_in:
        # Someone else's session: answering would mix two people up.
        links.link_record_use(link, state, request=request, refused="other_account")
        return _status_page(request, link, "other_account", status=403)
    links.link_record_use(link, state, request=request, method=request.method)
    answer = request.POST.get("answer", "")
    declaration = DeclarationForm(request.POST if answer in ("accept", "activate") else None)
    decline = ReasonForm(request.POST if answer == "decline" else None)
    if request.method == "POST":
        if answer == "decline" and decline.is_valid():
            try:
                links.link_decline(link=link, reason=decline.cleaned_data["reason"])
            except ConsultationError as error:
                decline.add_error(None, error)
            else:
                return redirect(request.path)
        if answer in ("accept", "activate") and _declared(declaration):
            if owner_signed_in:
                return _accept_signed_in(request, link, declaration)
            if account is None:
                return _activate(request, link, declaration, answer == "activate")
            # Otherwise the page asks the account's owner to sign in first.
    consultation = invitation.consultation
    return TemplateResponse(
        request,
        "consultations/link_invitation.html",
        {
            "invitation": invitation,
            "consultation": consultation,
            "dossier": consultation.dossier,
            "documents": consultation.version.documents.all(),
            "questions": consultation.questions.all(),
            "expert": expert,
            "declaration": declaration,
            "decline": decline,
            "account_exists": account is not None and not owner_signed_in,
            "sign_in_url": reverse("accounts:login") + "?" + urlencode({"next": request.path}),
        },
    )


def _declared(declaration: DeclarationForm) -> bool:
    """The declaration is ticked and filled in; the form says what is missing otherwise."""
    if not declaration.is_valid():
        return False
    if declaration.cleaned_data["declared"] and declaration.cleaned_data["statement"].strip():
        return True
    declaration.add_error(None, INDEPENDENCE_REQUIRED)
    return False


def _activate(
    request: HttpRequest, link: InvitationLink, declaration: DeclarationForm, submitted: bool
) -> HttpResponse:
    """The password step: shown after the declaration, and sent back with it."""
    invitation = link.invitation
    expert = invitation.expert
    account = User(email=expert.email, full_name=expert.full_name)
    form = ActivationForm(request.POST if submitted else None, user=account)
    if submitted and form.is_valid():
        try:
            user = links.link_activate(
                link=link,
                password=form.cleaned_data["password1"],
                declared=True,
                statement=declaration.cleaned_data["statement"],
            )
        except ConsultationError as error:
            if error.code == "link_closed":
                return redirect(request.path)
            form.add_error(None, error)
        else:
            consultation = invitation.consultation
            _joined(request, consultation)
            return _sign_in(request, user, _landing(consultation))
    return TemplateResponse(
        request,
        "consultations/link_activate.html",
        {
            "invitation": invitation,
            "consultation": invitation.consultation,
            "expert": expert,
            "form": form,
            "statement": declaration.cleaned_data["statement"],
        },
    )


def _accept_signed_in(
    request: HttpRequest, link: InvitationLink, declaration: DeclarationForm
) -> HttpResponse:
    """The owner of an account that already holds the expert's address, signed in."""
    try:
        invitation = links.link_accept_signed_in(
            link=link,
            user=request.user,  # type: ignore[arg-type]
            declared=True,
            statement=declaration.cleaned_data["statement"],
        )
    except ConsultationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(request.path)
    _joined(request, invitation.consultation)
    return redirect(_landing(invitation.consultation))
