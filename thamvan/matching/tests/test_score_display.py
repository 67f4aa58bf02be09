"""Match scores read as a level with its reasons, the number kept in small print."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import ExpertFactory, specialty
from thamvan.matching.services import RankedRow
from thamvan.matching.templatetags.match_scores import match_level


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (1.0, "high"),
        (0.5, "high"),
        (0.49, "medium"),
        (0.29, "medium"),
        (0.25, "medium"),
        (0.24, "low"),
        (0.0, "low"),
    ],
)
def test_a_score_falls_in_one_level(score: float, level: str) -> None:
    assert match_level(score)[0] == level


def test_the_cell_shows_the_level_the_reasons_and_the_number_with_a_decimal_comma() -> None:
    row = RankedRow(
        expert=None,  # type: ignore[arg-type]
        rank=1,
        score=0.29,
        covers=["Giao thông"],
        suggested=True,
        senior=True,
    )
    with translation.override("en"):
        html = Template("{% load match_scores %}{% match_score row %}").render(
            Context({"row": row})
        )
    assert 'data-match-level="medium">Medium match</span>' in html
    assert re.search(r'<small class="muted" title="[^"]+">0,29</small>', html)
    assert "<li>covers Giao thông</li><li>senior</li><li>no open panels</li>" in html
    assert "affinity" not in html


@pytest.mark.django_db
def test_the_panel_page_shows_each_recommended_expert_as_a_level_not_a_bare_number(
    orgs: Any, officer: Any, secretariat: Any, as_user: Any
) -> None:
    dossier = DossierFactory.create(
        lead_agency=orgs.department, preparing_consultant=orgs.consultant
    )
    consultation = ConsultationFactory.create(
        dossier=dossier, association=orgs.association, panel_size=2
    )
    consultation.required_specialties.set([specialty("giao-thong")])
    advance(consultation, "accepted", officer=officer, secretariat=secretariat)
    ExpertFactory.create(full_name="Trần Giao Thông", specialties=["giao-thong"])
    ExpertFactory.create(full_name="Lê Kiến Trúc", specialties=["kien-truc"])
    response = as_user(secretariat).get(
        reverse("consultations:panel", args=[consultation.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    ranked = response.context["ranked"]
    assert ranked
    table = response.text[response.text.index("panel-recommendation") :]
    table = table[: table.index("</table>")]
    levels = re.findall(r'data-match-level="(\w+)"', table)
    assert levels == [match_level(row.score)[0] for row in ranked]
    assert levels[0] == "high"
    assert "affinity" not in table
