"""The leadership dashboard speaks Vietnamese: units, states and answer results."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from thamvan.consultations.models import Consultation, Opinion, OpinionItem, Response
from thamvan.consultations.tests.factories import ConsultationFactory
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db


def _reported(orgs: Any, state: str, turnaround: timedelta) -> Consultation:
    consultation = ConsultationFactory.create(
        dossier=DossierFactory.create(lead_agency=orgs.department),
        association=orgs.association,
    )
    sent = timezone.make_aware(datetime(2026, 3, 1, 9, 0))
    Consultation.objects.filter(pk=consultation.pk).update(
        state=state, sent_at=sent, reported_at=sent + turnaround, deadline=date(2026, 3, 16)
    )
    return consultation


def _label(body: str, key: str) -> str:
    found = re.search(rf'data-figure="{key}">.*?<span class="figure-label">([^<]*)</span>', body)
    assert found, key
    return found.group(1)


def test_the_median_turnaround_reads_in_vietnamese_days(
    as_user: Any, leadership: Any, orgs: Any
) -> None:
    _reported(orgs, "closed", timedelta(days=12, hours=12))
    body = as_user(leadership).get(reverse("dashboard:index")).content.decode()
    assert "12,5 ngày" in body
    assert re.search(r"\d days", body) is None


def test_accepted_requests_and_answers_use_their_own_words(
    as_user: Any, leadership: Any, orgs: Any
) -> None:
    consultation = _reported(orgs, "closed", timedelta(days=10))
    opinion = Opinion.objects.create(
        consultation=consultation, expert=ExpertFactory.create(), state="submitted"
    )
    item = OpinionItem.objects.create(opinion=opinion, order=1, content="Ý kiến 1")
    Response.objects.create(item=item, result="accepted")
    body = as_user(leadership).get(reverse("dashboard:index")).content.decode()
    # A request the secretariat received, and an opinion item the agency accepted.
    assert _label(body, "consultations_accepted") == "Đã tiếp nhận"
    assert _label(body, "responses_accepted") == "Tiếp thu"
    # "nghiệm thu" stays with research accepted on completion.
    assert _label(body, "research_accepted") == "Đã nghiệm thu"
