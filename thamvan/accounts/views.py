from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import translation

from thamvan import audit
from thamvan.accounts import mfa, throttle
from thamvan.accounts.forms import LoginForm
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
