"""The panel page's candidate list: open-panel and e-mail filters, the orders, each
expert's history, the warning for an expert nobody can reach, and choosing an expert at
their workload limit with a reason."""

from __future__ import annotations

import gc
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from lxml import html

from thamvan.consultations.models import Consultation, Invitation, Opinion, State
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def consultation(orgs: Any, officer: Any, secretariat: Any) -> Any:
    dossier = DossierFactory.create(
        lead_agency=orgs.department, name="Quy chế quản lý kiến trúc phố cổ"
    )
    consultation = ConsultationFactory.create(
        dossier=dossier, association=orgs.association, panel_size=3
    )
    return advance(consultation, "accepted", officer=officer, secretariat=secretariat)


def _open_panels(expert: Any, association: Any, n: int) -> None:
    """Seat the expert on ``n`` panels still in review."""
    for _ in range(n):
        other = ConsultationFactory.create(association=association)
        Consultation.objects.filter(pk=other.pk).update(state=State.IN_REVIEW)
        Invitation.objects.create(
            consultation=other,
            expert=expert,
            state=Invitation.Status.ACCEPTED,
            responded_at=timezone.now(),
        )


def _past_opinions(expert: Any, association: Any, *on_time: bool) -> None:
    """One closed round per opinion, deadline 10/03/2026, submitted that day or the next."""
    for in_time in on_time:
        past = ConsultationFactory.create(association=association, title="Vòng đã đóng")
        Consultation.objects.filter(pk=past.pk).update(
            state=State.CLOSED, deadline=date(2026, 3, 10)
        )
        Invitation.objects.create(
            consultation=past,
            expert=expert,
            state=Invitation.Status.ACCEPTED,
            responded_at=datetime(2026, 3, 1, 9, tzinfo=HANOI),
        )
        Opinion.objects.create(
            consultation=past,
            expert=expert,
            state=Opinion.Status.SUBMITTED,
            submitted_at=datetime(2026, 3, 10 if in_time else 11, 9, tzinfo=HANOI),
        )


@pytest.fixture
def candidates(consultation: Any, orgs: Any) -> dict[str, Any]:
    """Four architects whose orders all differ:

    * by recommendation: Lan (her keywords are the dossier's), Cường, Bình, An;
    * by given name: An, Bình, Cường, Lan;
    * by open panels (fewest first): Cường, Bình, An (1), Lan (2);
    * by on-time share: An (1/1), Lan (1/2), Bình (0/1), Cường (none).

    Besides them: an expert with neither e-mail nor account, and one at the workload
    limit (one open panel of at most one)."""
    association = orgs.association
    lan = ExpertFactory.create(
        full_name="Vũ Thị Lan",
        keywords="quy chế quản lý kiến trúc, phố cổ",
        specialties=["kien-truc"],
    )
    cuong = ExpertFactory.create(
        full_name="Lê Văn Cường", keywords="kiến trúc", specialties=["kien-truc"]
    )
    an = ExpertFactory.create(full_name="Trần Văn An", specialties=["kien-truc"])
    binh = ExpertFactory.create(full_name="Nguyễn Thị Bình", specialties=["kien-truc"])
    _open_panels(lan, association, 2)
    _open_panels(an, association, 1)
    _past_opinions(an, association, True)
    _past_opinions(lan, association, True, False)
    _past_opinions(binh, association, False)
    unreachable = ExpertFactory.create(full_name="Đặng Không Thư", email="")
    busy = ExpertFactory.create(full_name="Hoàng Bận Rộn", max_concurrent_consultations=1)
    _open_panels(busy, association, 1)
    return {
        "lan": lan,
        "cuong": cuong,
        "an": an,
        "binh": binh,
        "unreachable": unreachable,
        "busy": busy,
    }


def _url(consultation: Any) -> str:
    return reverse("consultations:panel", args=[consultation.pk])


def _tree(response: Any) -> Any:
    return html.fromstring(response.content.decode())


def _ranked(response: Any) -> list[str]:
    return _tree(response).xpath(
        "//table[contains(@class, 'panel-recommendation')]//tbody/tr/@data-candidate"
    )


def _excluded(response: Any) -> list[str]:
    return _tree(response).xpath(
        "//table[contains(@class, 'panel-excluded')]//tbody/tr/@data-excluded"
    )


def _ids(candidates: dict[str, Any], *names: str) -> list[str]:
    return [str(candidates[name].pk) for name in names]


def _english(client: Any) -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the site ignores Accept-Language
    return client


ARCHITECTS = "lan", "cuong", "an", "binh"


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", ("lan", "cuong", "binh", "an")),
        ("rank", ("lan", "cuong", "binh", "an")),
        ("name", ("an", "binh", "cuong", "lan")),
        ("open_panels", ("cuong", "binh", "an", "lan")),
        ("on_time", ("an", "lan", "binh", "cuong")),
    ],
)
def test_each_order_sorts_the_candidates_and_the_form_keeps_it(
    consultation: Any,
    candidates: Any,
    as_user: Any,
    secretariat: Any,
    sort: str,
    order: tuple[str, ...],
) -> None:
    from thamvan.experts.tests.factories import specialty

    query = {"specialty": str(specialty("kien-truc").pk), "sort": sort}
    response = as_user(secretariat).get(_url(consultation), query)
    assert _ranked(response) == _ids(candidates, *order)
    if sort:
        selected = _tree(response).xpath("//select[@name='sort']/option[@selected]/@value")
        assert selected == [sort]


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ({"open_panels": "0"}, {"cuong", "binh", "unreachable"}),
        ({"open_panels": "1"}, {"cuong", "binh", "an", "unreachable", "busy"}),
        ({"has_email": "no"}, {"unreachable"}),
        ({"has_email": "yes", "open_panels": "0"}, {"cuong", "binh"}),
    ],
)
def test_the_open_panel_and_email_filters_keep_only_those_they_describe(
    consultation: Any,
    candidates: Any,
    as_user: Any,
    secretariat: Any,
    query: dict[str, str],
    kept: set[str],
) -> None:
    response = as_user(secretariat).get(_url(consultation), query)
    shown = {*_ranked(response), *_excluded(response)}
    assert shown == set(_ids(candidates, *kept))
    # The pager and the htmx swap keep the filters: they are the page's query string.
    form = _tree(response).xpath("//form[@class='filters']")[0]
    for name, value in query.items():
        assert form.xpath(f".//select[@name='{name}']/option[@selected]/@value") == [value]


def test_an_expert_with_an_account_but_no_email_address_can_be_reached(
    consultation: Any, candidates: Any, as_user: Any, secretariat: Any, expert_user: Any
) -> None:
    member = ExpertFactory.create(full_name="Phạm Có Tài Khoản", email="", user=expert_user)
    response = as_user(secretariat).get(_url(consultation), {"has_email": "yes"})
    assert str(member.pk) in _ranked(response)
    assert str(candidates["unreachable"].pk) not in _ranked(response)


def test_each_row_shows_the_experts_history(
    consultation: Any, candidates: Any, as_user: Any, secretariat: Any
) -> None:
    response = as_user(secretariat).get(_url(consultation))
    tree = _tree(response)
    lan = tree.xpath(f"//ul[@data-history='{candidates['lan'].pk}']")[0]

    def figure(name: str) -> str:
        return " ".join(lan.xpath(f"string(./li[@data-figure='{name}'])").split())

    # Two closed rounds (the two open ones are not served yet); 9 and 10 days.
    with translation.override("vi"):
        assert figure("served") == ngettext("%(n)s panel served", "%(n)s panels served", 2) % {
            "n": 2
        }
        assert figure("on-time") == gettext("on time %(on_time)s/%(submitted)s") % {
            "on_time": 1,
            "submitted": 2,
        }
        assert figure("median-days") == gettext("median %(days)s days to submit") % {"days": "9,5"}
        assert "declined" not in [li.get("data-figure") for li in lan]
    last = lan.xpath("./li[@data-figure='last-panel']//a")[0]
    assert last.get("href").startswith("/consultations/")
    newcomer = tree.xpath(f"//ul[@data-history='{candidates['cuong'].pk}']/li")
    with translation.override("vi"):
        assert [li.text_content() for li in newcomer] == [gettext("No panel yet")]


def test_an_expert_nobody_can_reach_is_flagged_and_needs_a_reason(
    consultation: Any, candidates: Any, as_user: Any, secretariat: Any
) -> None:
    unreachable, an = candidates["unreachable"], candidates["an"]
    client = _english(as_user(secretariat))
    page = _tree(client.get(_url(consultation)))
    # Never suggested: listed among the excluded, selectable with a reason.
    assert not page.xpath(f"//tr[@data-candidate='{unreachable.pk}']")
    row = page.xpath(f"//tr[@data-excluded='{unreachable.pk}']")[0]
    warning = row.xpath(".//*[@data-warning='no_email']")[0]
    assert "the invitation cannot be delivered" in warning.text_content()
    assert row.xpath(f".//input[@name='override_{unreachable.pk}']")

    typed = "Cần người am hiểu phố cổ"
    refused = client.post(
        _url(consultation),
        {"expert": [unreachable.pk, an.pk], f"override_{an.pk}": typed},
    )
    assert refused.status_code == 200
    tree = _tree(refused)
    alert = tree.xpath("string(//div[@role='alert'])")
    assert "Đặng Không Thư: " in alert and "no email address or account" in alert
    # What was typed and ticked is still there.
    assert tree.xpath(f"//input[@name='override_{an.pk}']/@value") == [typed]
    assert tree.xpath(f"//input[@id='pick-{unreachable.pk}']/@checked")
    assert tree.xpath(f"//input[@id='pick-{an.pk}']/@checked")
    assert not Invitation.objects.filter(consultation=consultation).exists()

    reason = "Sẽ gửi giấy mời qua đường bưu điện"
    sent = client.post(
        _url(consultation),
        {
            "expert": [unreachable.pk, an.pk],
            f"override_{an.pk}": typed,
            f"override_{unreachable.pk}": reason,
        },
    )
    assert sent.status_code == 302
    invitation = Invitation.objects.get(consultation=consultation, expert=unreachable)
    assert invitation.override_reason == reason
    assert "no_email" in [rule["rule"] for rule in invitation.overridden_rules]


def test_an_expert_at_the_workload_limit_is_chosen_with_a_reason_never_without(
    consultation: Any, candidates: Any, as_user: Any, secretariat: Any
) -> None:
    busy = candidates["busy"]
    client = _english(as_user(secretariat))
    page = client.get(_url(consultation))
    assert (
        "An expert at their workload limit, away, or whom no invitation can reach is listed "
        "among the excluded and may still be chosen with a reason." in page.content.decode()
    )
    row = _tree(page).xpath(f"//tr[@data-excluded='{busy.pk}']")[0]
    assert row.xpath(f".//input[@type='checkbox'][@value='{busy.pk}']")
    assert row.xpath(f".//input[@name='override_{busy.pk}']")
    assert "already on 1 open panels (at most 1)" in row.xpath(
        "string(.//*[@data-warning='workload'])"
    )

    refused = client.post(_url(consultation), {"expert": [busy.pk]})
    assert refused.status_code == 200
    assert "Hoàng Bận Rộn: " in _tree(refused).xpath("string(//div[@role='alert'])")
    assert _tree(refused).xpath(f"//input[@id='pick-{busy.pk}']/@checked")
    assert not Invitation.objects.filter(consultation=consultation).exists()

    reason = "Chuyên gia duy nhất về phố cổ còn nhận việc"
    sent = client.post(_url(consultation), {"expert": [busy.pk], f"override_{busy.pk}": reason})
    assert sent.status_code == 302
    invitation = Invitation.objects.get(consultation=consultation, expert=busy)
    assert invitation.override_reason == reason
    assert "workload" in [rule["rule"] for rule in invitation.overridden_rules]


def test_the_candidate_list_reads_a_bounded_number_of_queries_however_many_experts(
    consultation: Any, orgs: Any, as_user: Any, secretariat: Any
) -> None:
    client = as_user(secretariat)

    def add_experts(n: int) -> None:
        for _ in range(n):
            expert = ExpertFactory.create(specialties=["kien-truc"])
            _open_panels(expert, orgs.association, 1)
            _past_opinions(expert, orgs.association, True)

    def queries(query: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(consultation), query).status_code == 200
        return len(captured)

    views = [{}, {"sort": "on_time", "has_email": "yes"}, {"sort": "name", "open_panels": "2"}]
    add_experts(5)
    few = [queries(query) for query in views]
    add_experts(35)
    many = [queries(query) for query in views]
    assert many == few
    assert max(many) <= 45


def test_the_page_does_not_leave_the_registrys_ranking_to_the_cyclic_collector(
    consultation: Any, as_user: Any, secretariat: Any
) -> None:
    """Django keeps a template's context in a reference cycle: were the ranking of every
    expert in it, each request would leave thousands of objects for a long collection."""
    for _ in range(60):
        ExpertFactory.create()
    client = as_user(secretariat)
    client.get(_url(consultation))
    gc.collect()
    gc.disable()
    try:
        response = client.get(_url(consultation))
        assert response.status_code == 200
        del response
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [o for o in gc.garbage if type(o) is Expert]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    # At most the page's 25, which the test client's response keeps.
    assert len(left) <= 25
