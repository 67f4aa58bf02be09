"""Second step of sign-in: verify a TOTP or recovery code, enrol an authenticator."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from thamvan import audit
from thamvan.accounts import mfa, throttle
from thamvan.accounts.forms import (
    MFA_INVALID_CODE_MESSAGE,
    MFA_THROTTLED_MESSAGE,
    MFACodeForm,
    MFAEnrolForm,
)
from thamvan.accounts.models import User
from thamvan.audit.services import Action
from thamvan.core.http import AuthedRequest, client_address


def _user_in_second_step(request: HttpRequest) -> User | None:
    """The user finishing sign-in: pending after a password, or signed in elsewhere unverified."""
    if request.user.is_authenticated:
        if mfa.is_verified(request.session):
            return None
        return request.user
    return mfa.pending_user(request)


def _next_url(request: HttpRequest) -> str:
    state = mfa.pending_state(request) or {}
    target = str(state.get("next") or "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("core:home")


def _complete(request: HttpRequest, user: User, *, method: str) -> HttpResponseRedirect:
    target = _next_url(request)
    state = mfa.pending_state(request)
    if request.user.is_authenticated:
        # Signed in before the second factor (admin login, an older session):
        # the now verified session must not keep an id that was known before.
        request.session.cycle_key()
    else:
        backend = str((state or {}).get("backend") or "django.contrib.auth.backends.ModelBackend")
        login(request, user, backend=backend)  # cycles the session key itself
    request.session.pop(mfa.PENDING_SESSION_KEY, None)
    mfa.mark_verified(request.session)
    throttle.clear_mfa_failures(user.pk)
    audit.record(actor=user, action=Action.LOGIN_SUCCEEDED, data={"mfa": method}, request=request)
    return HttpResponseRedirect(target)


def _throttled_response(
    request: HttpRequest, user: User, template: str, context: dict[str, object]
) -> TemplateResponse:
    form = context["form"]
    form.add_error(  # type: ignore[attr-defined]
        None, MFA_THROTTLED_MESSAGE % {"minutes": throttle.minutes_until_retry()}
    )
    audit.record(actor=user, action=Action.MFA_THROTTLED, request=request)
    return TemplateResponse(request, template, context, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user = _user_in_second_step(request)
    if user is None:
        return redirect("core:home" if request.user.is_authenticated else "accounts:login")
    device = mfa.confirmed_device(user)
    if device is None:
        return redirect("mfa:enrol")
    form = MFACodeForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST":
        if throttle.is_mfa_throttled(user.pk):
            return _throttled_response(request, user, "accounts/mfa_verify.html", context)
        if form.is_valid():
            code = form.cleaned_data["code"]
            if mfa.looks_like_recovery_code(code) and mfa.use_recovery_code(user, code):
                remaining = mfa.remaining_recovery_codes(user)
                audit.record(
                    actor=user,
                    action=Action.MFA_RECOVERY_USED,
                    data={"remaining": remaining},
                    request=request,
                )
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(count)d remain. "
                        "If you lost your phone, set up a new authenticator now."
                    )
                    % {"count": remaining},
                )
                return _complete(request, user, method="recovery_code")
            if mfa.verify_totp(device, code):
                return _complete(request, user, method="totp")
            throttle.record_mfa_failure(user.pk, ip_address=client_address(request))
            audit.record(actor=user, action=Action.MFA_FAILED, request=request)
            form.add_error("code", MFA_INVALID_CODE_MESSAGE)
    return TemplateResponse(request, "accounts/mfa_verify.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    in_second_step = _user_in_second_step(request)
    user = in_second_step or (request.user if request.user.is_authenticated else None)
    if user is None:
        return redirect("accounts:login")
    # Someone holding only a password must not replace an existing authenticator.
    if in_second_step is not None and mfa.confirmed_device(in_second_step) is not None:
        return redirect("mfa:verify")
    secret = request.session.get(mfa.ENROL_SECRET_SESSION_KEY)
    if not isinstance(secret, str) or request.method == "GET":
        secret = mfa.new_secret()
        request.session[mfa.ENROL_SECRET_SESSION_KEY] = secret
    form = MFAEnrolForm(request.POST or None)
    context: dict[str, object] = {
        "form": form,
        "qr": mfa.qr_data_uri(mfa.provisioning_uri(user, secret)),
        "secret": mfa.grouped_secret(secret),
        "in_second_step": in_second_step is not None,
    }
    if request.method == "POST":
        if throttle.is_mfa_throttled(user.pk):
            return _throttled_response(request, user, "accounts/mfa_enrol.html", context)
        if form.is_valid():
            device = mfa.confirm_device(user, secret, form.cleaned_data["code"])
            if device is not None:
                request.session.pop(mfa.ENROL_SECRET_SESSION_KEY, None)
                request.session[mfa.NEW_CODES_SESSION_KEY] = mfa.generate_recovery_codes(user)
                audit.record(actor=user, action=Action.MFA_ENROLLED, target=device, request=request)
                if in_second_step is not None:
                    _complete(request, in_second_step, method="enrolment")
                else:
                    request.session.cycle_key()
                    mfa.mark_verified(request.session)
                return redirect("mfa:recovery_codes")
            throttle.record_mfa_failure(user.pk, ip_address=client_address(request))
            audit.record(actor=user, action=Action.MFA_FAILED, request=request)
            form.add_error("code", MFA_INVALID_CODE_MESSAGE)
    return TemplateResponse(request, "accounts/mfa_enrol.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: AuthedRequest) -> HttpResponse:
    if not mfa.is_verified(request.session):
        return redirect("mfa:verify")
    if request.method == "POST":
        if mfa.confirmed_device(request.user) is None:
            return redirect("mfa:enrol")
        request.session[mfa.NEW_CODES_SESSION_KEY] = mfa.generate_recovery_codes(request.user)
        audit.record(actor=request.user, action=Action.MFA_RECOVERY_REGENERATED, request=request)
        return redirect("mfa:recovery_codes")
    # Shown once: the page never displays the same codes twice.
    codes = request.session.pop(mfa.NEW_CODES_SESSION_KEY, None)
    return TemplateResponse(
        request,
        "accounts/mfa_recovery_codes.html",
        {
            "codes": codes,
            "remaining": mfa.remaining_recovery_codes(request.user),
            "device": mfa.confirmed_device(request.user),
            "required": mfa.is_required(request.user),
        },
    )
