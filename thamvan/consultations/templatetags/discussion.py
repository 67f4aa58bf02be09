"""``{% discussion_thread consultation %}``: the panel's discussion where a page shows a
consultation, with the same context as the htmx answer of ``views.discussion``."""

from __future__ import annotations

from typing import Any

from django import template

from thamvan.consultations.models import Consultation
from thamvan.consultations.views.discussion import thread_context

register = template.Library()


@register.inclusion_tag("consultations/_discussion.html", takes_context=True)
def discussion_thread(
    context: template.Context, consultation: Consultation, return_to: str = "detail"
) -> dict[str, Any]:
    request = context["request"]
    return {
        **thread_context(request.user, consultation, return_to=return_to),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
