"""The match score as people read it: a level, the reasons, the number in small print."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()

# Affinity is in [0, 1], half specialty coverage and half text similarity: from
# 0.5 an expert holds every required specialty (or most, and writes on the
# subject); under 0.25 they hold at most half of them and the text barely overlaps.
LEVELS = (
    (0.5, "high", gettext_lazy("High match")),
    (0.25, "medium", gettext_lazy("Medium match")),
    (0.0, "low", gettext_lazy("Low match")),
)


def match_level(score: float) -> tuple[str, str]:
    """The level's key (for styling and tests) and its label."""
    for floor, key, label in LEVELS:
        if score >= floor:
            return key, str(label)
    return LEVELS[-1][1], str(LEVELS[-1][2])


@register.simple_tag
def match_score(row: Any) -> SafeString:
    """A ranked row's level, its number with a decimal comma, and its reasons as a list.

    The reasons come joined with "; " from the recommendation; the affinity among
    them is the number already shown, so it is not repeated.
    """
    number = number_format(row.score, 2)
    affinity = _("affinity %(score)s") % {"score": number}
    reasons = [part for part in row.reason.split("; ") if part and part != affinity]
    key, label = match_level(row.score)
    return format_html(
        '<span class="badge match-level" data-match-level="{}">{}</span> '
        '<small class="muted" title="{}">{}</small>{}',
        key,
        label,
        _("Match score, from 0 to 1"),
        number,
        format_html(
            '<ul class="match-reasons">{}</ul>',
            format_html_join("", "<li>{}</li>", ((r,) for r in reasons)),
        )
        if reasons
        else "",
    )
