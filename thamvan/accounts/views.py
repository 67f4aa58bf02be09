from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy

from thamvan import audit
from thamvan.accounts import mfa
from thamvan.accounts.forms import LoginForm
from thamvan.audit.services import Action
from thamvan.core.http import AuthedRequest


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
password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    email_template_name="accounts/email/password_reset.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
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
