"""Personal API tokens on the account pages: list, create (shown once), revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from thamvan.accounts.models_tokens import ApiToken
from thamvan.accounts.tokens import api_token_create, api_token_revoke
from thamvan.core.http import AuthedRequest


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “GIS sync script”."),
    )


def _own_tokens(request: AuthedRequest) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=request.user))


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: AuthedRequest) -> TemplateResponse:
    form = TokenForm(request.POST or None)
    raw_token = None
    status = 200
    if request.method == "POST" and form.is_valid():
        _token, raw_token = api_token_create(actor=request.user, name=form.cleaned_data["name"])
        # Shown in this response only and never stored: no redirect to lose it in.
        form = TokenForm()
        status = 201
    return TemplateResponse(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": _own_tokens(request), "raw_token": raw_token},
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(user=request.user, pk=pk).first()
    if token is None:
        raise Http404
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token was revoked; programs using it can no longer connect."))
    return redirect("tokens:list")
