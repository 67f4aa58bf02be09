from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from thamvan import audit
from thamvan.accounts import mfa, services, throttle
from thamvan.accounts.forms import LoginForm
from thamvan.accounts.models import AccountInvitation, User
from thamvan.accounts.tasks import send_password_reset_email
from thamvan.audit.services import Action
from thamvan.core.http import AuthedRequest, client_address

# Named as the actions in thamvan.audit.services.Action.
PASSWORD_RESET_THROTTLED = "password_reset.throttled"


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if mfa.needs_second_step(user):
            # Not signed in yet: the password only opens the second step.
            mfa.start_pending(
                self.request,
                user,
                next_url=self.get_success_url(),
                backend=getattr(user, "backend", ""),
            )
            target = "mfa:verify" if mfa.confirmed_device(user) else "mfa:enrol"
            return HttpResponseRedirect(reverse(target))
        response = super().form_valid(form)
        self.request.session[mfa.MFA_SESSION_KEY] = mfa.PASSWORD_ONLY
        audit.record(
            actor=user, action=Action.LOGIN_SUCCEEDED, data={"mfa": "none"}, request=self.request
        )
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        email = str(form.data.get("username", "")).strip().lower()[:254]
        if email:
            throttled = form.has_error("__all__", "throttled")
            audit.record(
                actor=None,
                action=Action.LOGIN_THROTTLED if throttled else Action.LOGIN_FAILED,
                data={"email": email},
                request=self.request,
            )
        return super().form_invalid(form)


logout = auth_views.LogoutView.as_view()


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = str(form.cleaned_data["email"]).strip().lower()
        address = client_address(self.request)
        # A limited request gets the same page as any other, so it tells nothing
        # about the account, but sends nothing.
        if throttle.is_password_reset_throttled(email=email, ip_address=address):
            audit.record(
                actor=None,
                action=PASSWORD_RESET_THROTTLED,
                data={"email": email[:254]},
                request=self.request,
            )
        else:
            throttle.record_password_reset(email=email, ip_address=address)
            language = translation.get_language() or settings.LANGUAGE_CODE
            for user in form.get_users(email):
                send_password_reset_email.enqueue(user.pk, language)
        return HttpResponseRedirect(self.get_success_url())


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html",
    success_url=reverse_lazy("accounts:profile"),
)


@login_required
def profile(request: AuthedRequest) -> TemplateResponse:
    memberships = request.user.active_memberships
    return TemplateResponse(request, "accounts/profile.html", {"memberships": memberships})


# Activation ---------------------------------------------------------------------
# The link's token moves into the session at once, as Django's password reset
# does, so the page where the password is typed carries no secret in its
# address (browser history, Referer).

ACTIVATION_SESSION_KEY = "thamvan_activation_token"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _activation_invalid(request: HttpRequest, state: str | None) -> TemplateResponse:
    # An unknown or altered link is "not found"; a real one past its use is "gone".
    status = 404 if state is None else 410
    return TemplateResponse(
        request, "accounts/activation_invalid.html", {"state": state or "unknown"}, status=status
    )


@never_cache
@require_GET
def activate(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    state = services.invitation_state(invitation) if invitation is not None else None
    if invitation is None or state != AccountInvitation.State.OPEN:
        return _activation_invalid(request, state)
    request.session[ACTIVATION_SESSION_KEY] = token
    return redirect("accounts:activate_password")


def _sign_in_activated(request: HttpRequest, user: User) -> HttpResponse:
    if request.user.is_authenticated and request.user.pk != user.pk:
        # Someone else's session in this browser must not carry over.
        auth_logout(request)
    if mfa.needs_second_step(user):
        mfa.start_pending(request, user, next_url=reverse("core:home"), backend=MODEL_BACKEND)
        messages.success(
            request,
            _(
                "Your password is set. Your role requires two-step verification: set up an "
                "authenticator app to finish signing in."
            ),
        )
        return redirect("mfa:enrol")
    login(request, user, backend=MODEL_BACKEND)
    request.session[mfa.MFA_SESSION_KEY] = mfa.PASSWORD_ONLY
    audit.record(
        actor=user,
        action=Action.LOGIN_SUCCEEDED,
        data={"mfa": "none", "via": "activation"},
        request=request,
    )
    messages.success(request, _("Your account is active. Welcome to thamvan."))
    return redirect("core:home")


@never_cache
@require_http_methods(["GET", "POST"])
def activate_password(request: HttpRequest) -> HttpResponse:
    token = request.session.get(ACTIVATION_SESSION_KEY)
    invitation = services.invitation_for_token(token) if isinstance(token, str) else None
    state = services.invitation_state(invitation) if invitation is not None else None
    if invitation is None or state != AccountInvitation.State.OPEN:
        request.session.pop(ACTIVATION_SESSION_KEY, None)
        return _activation_invalid(request, state)
    person = invitation.user
    form = SetPasswordForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.account_activate(
            invitation=invitation, password=form.cleaned_data["new_password1"], request=request
        )
        request.session.pop(ACTIVATION_SESSION_KEY, None)
        if user is None:
            invitation.refresh_from_db()
            return _activation_invalid(request, services.invitation_state(invitation))
        return _sign_in_activated(request, user)
    return TemplateResponse(request, "accounts/activate.html", {"form": form, "person": person})
