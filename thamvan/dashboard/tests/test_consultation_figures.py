from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from thamvan.consultations.models import Consultation, Invitation, Opinion, OpinionItem, Response
from thamvan.consultations.tests.factories import ConsultationFactory
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 9, 0))


def _consultation(orgs: Any, state: str, **fields: Any) -> Consultation:
    consultation = ConsultationFactory.create(
        dossier=DossierFactory.create(lead_agency=fields.pop("lead", orgs.department)),
        association=orgs.association,
    )
    Consultation.objects.filter(pk=consultation.pk).update(
        state=state, sent_at=fields.pop("sent_at", _at(date(2026, 3, 1))), **fields
    )
    consultation.refresh_from_db()
    return consultation


def _figures(client: Any, **query: Any) -> dict[str, Any]:
    response = client.get(reverse("dashboard:index"), query)
    return {item.key: item for group in response.context["groups"] for item in group.figures}


def test_consultation_state_counts_equal_their_lists(
    as_user: Any, leadership: Any, secretariat: Any, orgs: Any
) -> None:
    for state in ("sent", "in_review", "in_review", "closed"):
        _consultation(orgs, state)
    for user in (leadership, secretariat):
        client = as_user(user)
        figures = _figures(client)
        assert figures["consultations_in_review"].value == 2
        for key, item in figures.items():
            if key.startswith("consultations_") and item.is_count:
                listing = client.get(item.url)
                assert listing.context["page_obj"].paginator.count == item.value, key


def test_the_organisation_and_period_narrow_the_consultations(
    as_user: Any, leadership: Any, orgs: Any
) -> None:
    _consultation(orgs, "in_review")
    _consultation(orgs, "in_review", lead=orgs.ward)
    _consultation(orgs, "in_review", sent_at=_at(date(2024, 5, 1)))
    client = as_user(leadership)
    assert _figures(client)["consultations_in_review"].value == 3
    scoped = _figures(client, organization=orgs.ward.pk)["consultations_in_review"]
    assert scoped.value == 1
    assert scoped.is_count
    assert f"organization={orgs.ward.pk}" in scoped.url
    assert client.get(scoped.url).context["page_obj"].paginator.count == 1
    period = _figures(client, start="2026-01-01", end="2026-12-31")["consultations_in_review"]
    assert period.value == 2
    assert client.get(period.url).context["page_obj"].paginator.count == 2


def test_on_time_rate_and_median_turnaround(as_user: Any, leadership: Any, orgs: Any) -> None:
    sent = _at(date(2026, 3, 1))
    _consultation(
        orgs,
        "closed",
        sent_at=sent,
        reported_at=sent + timedelta(days=10),
        deadline=date(2026, 3, 16),
    )
    _consultation(
        orgs,
        "closed",
        sent_at=sent,
        reported_at=sent + timedelta(days=20),
        deadline=date(2026, 3, 16),
    )
    _consultation(
        orgs,
        "reported",
        sent_at=sent,
        reported_at=sent + timedelta(days=12),
        deadline=date(2026, 3, 16),
    )
    _consultation(orgs, "in_review", sent_at=sent)
    figures = _figures(as_user(leadership))
    assert figures["consultations_on_time_rate"].value == 67
    assert figures["consultations_median_days"].value == 12.0


def test_expert_participation_and_load(as_user: Any, leadership: Any, orgs: Any) -> None:
    busy, steady, idle = ExpertFactory.create(), ExpertFactory.create(), ExpertFactory.create()
    consultations = [_consultation(orgs, "in_review") for _ in range(4)]
    for consultation in consultations:
        Invitation.objects.create(consultation=consultation, expert=busy, state="accepted")
    Invitation.objects.create(consultation=consultations[0], expert=steady, state="accepted")
    Invitation.objects.create(consultation=consultations[1], expert=idle, state="declined")
    figures = _figures(as_user(leadership))
    assert figures["experts_participating"].value == 2
    assert figures["experts_load_1"].value == 1
    assert figures["experts_load_4"].value == 1


def test_shares_of_opinion_items_accepted_partly_and_not(
    as_user: Any, leadership: Any, orgs: Any
) -> None:
    consultation = _consultation(orgs, "closed")
    opinion = Opinion.objects.create(
        consultation=consultation, expert=ExpertFactory.create(), state="submitted"
    )
    results = ["accepted", "accepted", "partly_accepted", "not_accepted"]
    for order, result in enumerate(results, start=1):
        item = OpinionItem.objects.create(opinion=opinion, order=order, content=f"Ý kiến {order}")
        Response.objects.create(
            item=item, result=result, explanation="" if result == "accepted" else "Giải trình"
        )
    figures = _figures(as_user(leadership))
    assert figures["responses_accepted"].value == 50
    assert figures["responses_partly_accepted"].value == 25
    assert figures["responses_not_accepted"].value == 25


def test_an_officer_sees_only_their_organisation_s_consultations(
    as_user: Any, officer: Any, orgs: Any
) -> None:
    _consultation(orgs, "in_review")
    _consultation(orgs, "in_review", lead=orgs.ward)
    assert _figures(as_user(officer))["consultations_in_review"].value == 1
