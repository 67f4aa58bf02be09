"""``{% panel_alternates as alternates %}``: the alternates part of the panel page, built
by ``views.alternates`` from the page's recommendation, so the page's view needs nothing."""

from __future__ import annotations

from typing import Any

from django import template

from thamvan.consultations.views.alternates import alternates_context

register = template.Library()


@register.simple_tag(takes_context=True)
def panel_alternates(context: template.Context) -> dict[str, Any]:
    return alternates_context(
        context["request"].user, context["consultation"], context.get("recommendation")
    )
