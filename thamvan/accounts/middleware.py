"""Holds a signed-in user who owes a second factor on the MFA pages until they pass it.

The login form never signs such a user in before the second step; this
catches every other way into a session (the admin login, a session opened
before the role was granted, a new device requirement).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from thamvan.accounts import mfa

ALWAYS_ALLOWED_URL_NAMES = ("accounts:logout", "mfa:verify", "mfa:enrol")
MFA_REQUIRED_FOR_API = _(
    "Finish two-step verification in the browser first, or use a personal API token."
)


class MFAEnforcementMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or mfa.is_verified(request.session):
            return self.get_response(request)
        if not self._owes_second_factor(request):
            return self.get_response(request)
        if self._is_allowed(request.path):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            # API clients cannot follow a sign-in page; the session is not usable yet.
            return JsonResponse(
                {"detail": str(MFA_REQUIRED_FOR_API), "code": "mfa_required"}, status=401
            )
        target = reverse("mfa:verify" if mfa.confirmed_device(user) else "mfa:enrol")
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)

    def _owes_second_factor(self, request: HttpRequest) -> bool:
        user = request.user
        if mfa.is_required(user):  # type: ignore[arg-type]
            return True
        # A password-only session already checked for a device at sign-in.
        if request.session.get(mfa.MFA_SESSION_KEY) == mfa.PASSWORD_ONLY:
            return False
        return mfa.confirmed_device(user) is not None  # type: ignore[arg-type]

    def _is_allowed(self, path: str) -> bool:
        allowed = [reverse(name) for name in ALWAYS_ALLOWED_URL_NAMES]
        prefixes = [settings.STATIC_URL, "/i18n/"]
        return path in allowed or any(path.startswith(p) for p in prefixes if p)
