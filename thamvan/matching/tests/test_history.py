"""An expert's record on earlier panels, on a hand-built history with known figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from thamvan.consultations.models import Consultation, Invitation, Opinion, State
from thamvan.consultations.tests.factories import ConsultationFactory
from thamvan.experts.tests.factories import ExpertFactory
from thamvan.matching.history import (
    LastPanel,
    PanelHistory,
    on_time_shares,
    panel_histories,
)
from thamvan.organizations.models import Organization
from thamvan.organizations.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(day: str, time: str) -> datetime:
    """A moment in Hanoi: ``_at("10/03/2026", "23:30")``."""
    return datetime.strptime(f"{day} {time}", "%d/%m/%Y %H:%M").replace(tzinfo=HANOI)


def _round(association: Any, state: str, title: str, deadline: date | None = None) -> Any:
    consultation = ConsultationFactory.create(association=association, title=title)
    Consultation.objects.filter(pk=consultation.pk).update(state=state, deadline=deadline)
    consultation.refresh_from_db()
    return consultation


def _accepted(consultation: Any, expert: Any, day: str) -> Invitation:
    return Invitation.objects.create(
        consultation=consultation,
        expert=expert,
        state=Invitation.Status.ACCEPTED,
        invited_at=_at(day, "08:00"),
        responded_at=_at(day, "09:00"),
    )


def _submitted(consultation: Any, expert: Any, moment: datetime, **extra: Any) -> Opinion:
    return Opinion.objects.create(
        consultation=consultation,
        expert=expert,
        state=Opinion.Status.SUBMITTED,
        submitted_at=moment,
        verdict=Opinion.Verdict.AGREE,
        **extra,
    )


@pytest.fixture
def history(orgs: Any) -> dict[str, Any]:
    """Lan's record, every figure chosen so a wrong definition gives another number:

    * closed round, deadline 10/03: accepted 01/03, submitted 10/03 at 23:30 (on time, the
      last evening: 16:30 UTC the same day), 9 days;
    * reported round, deadline 20/04: accepted 05/04, submitted 21/04 at 00:30 (late, though
      still 20/04 in UTC), 16 days; amended on 25/04, which does not count again;
    * round in review, no deadline: accepted 01/05, submitted 03/05 (on time), 2 days; not
      served yet;
    * a round declined, one expired, one revoked (which counts nowhere);
    * another association's closed round, accepted last, on 01/06, with no opinion;
    * the round being staffed, where she is invited: left out of everything.
    """
    association = orgs.association
    lan = ExpertFactory.create(full_name="Vũ Thị Lan")
    first = _round(association, State.CLOSED, "Quy hoạch phân khu N9", date(2026, 3, 10))
    _accepted(first, lan, "01/03/2026")
    _submitted(first, lan, _at("10/03/2026", "23:30"))
    second = _round(association, State.REPORTED, "Quy hoạch chi tiết hồ Tây", date(2026, 4, 20))
    _accepted(second, lan, "05/04/2026")
    original = _submitted(second, lan, _at("21/04/2026", "00:30"), is_current=False)
    _submitted(second, lan, _at("25/04/2026", "10:00"), revision=2, previous=original)
    third = _round(association, State.IN_REVIEW, "Thiết kế đô thị Tràng Tiền")
    _accepted(third, lan, "01/05/2026")
    _submitted(third, lan, _at("03/05/2026", "15:00"))
    for state in (Invitation.Status.DECLINED, Invitation.Status.EXPIRED):
        Invitation.objects.create(
            consultation=_round(association, State.CLOSED, f"Vòng {state}"),
            expert=lan,
            state=state,
        )
    Invitation.objects.create(
        consultation=_round(association, State.CLOSED, "Vòng thu hồi"),
        expert=lan,
        state=Invitation.Status.REVOKED,
    )
    elsewhere = OrganizationFactory.create(
        name="Hội Kiến trúc sư Việt Nam", kind=Organization.Kind.ASSOCIATION
    )
    _accepted(_round(elsewhere, State.CLOSED, "Quy chế kiến trúc Huế"), lan, "01/06/2026")
    staffing = _round(association, State.PANEL_FORMING, "Vòng đang lập tổ")
    Invitation.objects.create(consultation=staffing, expert=lan)
    _submitted(staffing, lan, _at("02/06/2026", "10:00"))
    return {"lan": lan, "first": first, "staffing": staffing}


def test_the_figures_follow_their_definitions_exactly(history: Any, secretariat: Any) -> None:
    lan = history["lan"]
    figures = panel_histories([lan.pk], viewer=secretariat, exclude=history["staffing"])
    assert figures[lan.pk] == PanelHistory(
        served=3,
        submitted=3,
        on_time=2,
        median_days=9,
        declined=1,
        expired=1,
        last_panel=LastPanel(
            consultation_id=figures[lan.pk].last_panel.consultation_id,  # type: ignore[union-attr]
            title="Quy chế kiến trúc Huế",
            joined=date(2026, 6, 1),
            visible=False,
        ),
    )
    assert figures[lan.pk].on_time_share == pytest.approx(2 / 3)


def test_the_sort_reads_the_same_on_time_share_for_everyone_at_once(history: Any) -> None:
    lan = history["lan"]
    assert on_time_shares(history["staffing"]) == {lan.pk: pytest.approx(2 / 3)}
    # The round being staffed counts when it is not the one asked about.
    assert on_time_shares() == {lan.pk: pytest.approx(3 / 4)}


def test_the_last_panel_is_named_only_to_those_who_may_open_it(
    history: Any, secretariat: Any
) -> None:
    mai = ExpertFactory.create(full_name="Lê Thị Mai")
    _accepted(history["first"], mai, "02/03/2026")
    figures = panel_histories([mai.pk], viewer=secretariat)
    assert figures[mai.pk].last_panel == LastPanel(
        consultation_id=history["first"].pk,
        title="Quy hoạch phân khu N9",
        joined=date(2026, 3, 2),
        visible=True,
    )
    assert figures[mai.pk].median_days is None
    assert panel_histories([mai.pk])[mai.pk].last_panel.visible is False  # type: ignore[union-attr]


def test_an_expert_without_history_is_left_out(history: Any) -> None:
    newcomer = ExpertFactory.create()
    assert panel_histories([newcomer.pk, history["lan"].pk]).keys() == {history["lan"].pk}
    assert panel_histories([]) == {}


def test_a_page_of_histories_costs_the_same_queries_however_many_experts(
    history: Any, secretariat: Any
) -> None:
    def queries(expert_ids: list[int]) -> int:
        with CaptureQueriesContext(connection) as captured:
            panel_histories(expert_ids, viewer=secretariat)
        return len(captured)

    # The viewer's organisations are read once, as a request does for its page.
    panel_histories([history["lan"].pk], viewer=secretariat)
    one = queries([history["lan"].pk])
    experts = [ExpertFactory.create() for _ in range(20)]
    for expert in experts:
        _accepted(history["first"], expert, "02/03/2026")
        _submitted(history["first"], expert, _at("05/03/2026", "10:00"))
    ids = [history["lan"].pk, *(e.pk for e in experts)]
    assert queries(ids) == one == 3
    figures = panel_histories(ids, viewer=secretariat)
    assert len(figures) == 21
    assert figures[experts[0].pk].median_days == 3
