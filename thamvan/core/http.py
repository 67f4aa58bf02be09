from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from thamvan.accounts.models import User


class AuthedRequest(HttpRequest):
    """The request type of views behind login_required."""

    user: User
    htmx: HtmxDetails
