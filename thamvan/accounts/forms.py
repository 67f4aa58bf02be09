from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from thamvan.accounts import throttle
from thamvan.core.http import client_address

THROTTLED_MESSAGE = _(
    "Too many failed sign-in attempts. Please wait %(minutes)d minutes and try again, "
    "or reset your password."
)


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email address or password is incorrect."),
        "throttled": THROTTLED_MESSAGE,
    }

    def clean_username(self) -> str:
        # Addresses are stored lower-case; people type them however they like.
        return str(self.cleaned_data["username"]).lower()

    def clean(self) -> dict[str, Any]:
        email = (self.cleaned_data.get("username") or "").lower()
        ip_address = client_address(self.request) if self.request else None
        if email and throttle.is_throttled(email=email, ip_address=ip_address):
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": throttle.minutes_until_retry()},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if email:
                throttle.record_attempt(email=email, ip_address=ip_address, succeeded=False)
            raise
        throttle.record_attempt(email=email, ip_address=ip_address, succeeded=True)
        return cleaned


MFA_INVALID_CODE_MESSAGE = _("The code is not valid. Check the time on your phone and try again.")
MFA_THROTTLED_MESSAGE = _("Too many wrong codes. Please wait %(minutes)d minutes and try again.")


class MFACodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "text"}
        ),
    )


class MFAEnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )
