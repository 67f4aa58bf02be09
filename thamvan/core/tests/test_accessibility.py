"""WCAG 2.2 AA in real Chromium: axe-core on the main pages for every persona.

The pages come from the demo data (consultations in every state, dossiers,
experts, the programme, workshops, research), so each page shows real objects.
A page a persona may not open (404, a redirect elsewhere) is skipped for that
persona; the test checks that each persona still reaches most of its pages.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.accounts.models import User
from thamvan.consultations.models import Consultation, Opinion, State
from thamvan.core.demo import consultations, dossiers, experts, programme
from thamvan.core.demo.organizations import load_organizations, load_users
from thamvan.dossiers.models import Dossier
from thamvan.search.indexing import reindex

# WCAG 2.0, 2.1 and 2.2 at levels A and AA; axe's best-practice rules are not asked for.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

PERSONAS = [
    "admin@thamvan.example",
    "vanphong@thamvan.example",
    "chuyengia@thamvan.example",
    "chutri@thamvan.example",
    "lanhdao@thamvan.example",
    "canbo@thamvan.example",
]


def _load_demo() -> None:
    organizations = load_organizations()
    load_users(organizations)
    experts.load(organizations)
    dossiers.load(organizations)
    consultations.load(organizations)
    programme.load(organizations)
    reindex()


def _first_pk(model: Any, **filters: Any) -> int:
    return model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True)[0]


def _pages() -> list[str]:
    """The main pages, each with a real object where it needs one."""
    from thamvan.events.models import Workshop
    from thamvan.experts.models import Expert
    from thamvan.organizations.models import Organization
    from thamvan.programme.models import Directive, Programme, Task
    from thamvan.research.models import ResearchTopic

    dossier = Dossier.objects.order_by("pk").first()
    assert dossier is not None
    expert_user = _first_pk(User, email="chuyengia@thamvan.example")
    pages = [
        reverse("core:home"),
        reverse("accounts:profile"),
        reverse("accounts:password_change"),
        reverse("tokens:list"),
        reverse("notifications:list"),
        reverse("organizations:list"),
        reverse("organizations:detail", args=[_first_pk(Organization)]),
        reverse("experts:list"),
        reverse("experts:detail", args=[_first_pk(Expert)]),
        reverse("experts:me"),
        reverse("experts:create"),
        reverse("experts:import"),
        reverse("experts:specialty_list"),
        reverse("dossiers:list"),
        reverse("dossiers:map"),
        reverse("dossiers:create"),
        reverse("dossiers:detail", args=[dossier.pk]),
        reverse("dossiers:edit", args=[dossier.pk]),
        reverse("dossiers:version_detail", args=[dossier.pk, 1]),
        reverse("consultations:list"),
        reverse("consultations:create", args=[dossier.pk]),
        reverse("programme:list"),
        reverse("programme:detail", args=[_first_pk(Programme)]),
        reverse("programme:timeline", args=[_first_pk(Programme)]),
        reverse("programme:task_list"),
        reverse("programme:task_detail", args=[_first_pk(Task)]),
        reverse("programme:directive_list"),
        reverse("programme:directive_detail", args=[_first_pk(Directive)]),
        reverse("events:list"),
        reverse("events:calendar"),
        reverse("events:create"),
        reverse("research:list"),
        reverse("dashboard:index"),
        reverse("search:search") + "?q=quy+ho%E1%BA%A1ch",
        reverse("people:list"),
        reverse("people:create"),
        reverse("people:detail", args=[expert_user]),
        reverse("people:edit", args=[expert_user]),
        reverse("people:deactivate", args=[expert_user]),
        "/no-such-page/",
    ]
    if Workshop.objects.exists():
        pages.append(reverse("events:detail", args=[_first_pk(Workshop)]))
        # One whose invitations are out: invitees and guests, the invitation forms.
        sent = _first_pk(Workshop, status=Workshop.Status.INVITATIONS_SENT)
        pages.append(reverse("events:detail", args=[sent]))
    if ResearchTopic.objects.exists():
        pages.append(reverse("research:detail", args=[_first_pk(ResearchTopic)]))
    for state in (State.DRAFT, State.SENT, State.IN_REVIEW, State.SYNTHESIZING, State.CLOSED):
        pk = _first_pk(Consultation, state=state)
        pages.append(reverse("consultations:detail", args=[pk]))
    pages.append(
        reverse("consultations:panel", args=[_first_pk(Consultation, state=State.PANEL_FORMING)])
    )
    in_review = _first_pk(Consultation, state=State.IN_REVIEW)
    pages.append(reverse("consultations:opinion_workspace", args=[in_review]))
    pages.append(reverse("consultations:discussion", args=[in_review]))
    synthesizing = _first_pk(Consultation, state=State.SYNTHESIZING)
    pages.append(reverse("consultations:synthesis", args=[synthesizing]))
    closed = _first_pk(Consultation, state=State.CLOSED)
    pages.append(
        reverse("consultations:responses", args=[_first_pk(Consultation, state=State.RESPONDING)])
    )
    pages.append(reverse("consultations:responses", args=[closed]))
    opinion = _first_pk(Opinion, consultation_id=closed)
    pages.append(reverse("consultations:opinion_detail", args=[closed, opinion]))
    return pages


def _invitation_links() -> tuple[str, str]:
    """The personal link of an expert without an account, invited to a panel in review,
    and the earlier link it replaced (a page that says the link is gone)."""
    from thamvan.consultations.services import links
    from thamvan.consultations.services import panel as panel_services
    from thamvan.experts.models import Expert

    consultation = Consultation.objects.filter(state=State.IN_REVIEW).order_by("pk").first()
    secretariat = User.objects.get(email="vanphong@thamvan.example")
    expert = (
        Expert.objects.filter(user__isnull=True)
        .exclude(email="")
        .exclude(invitations__consultation=consultation)
        .order_by("pk")
        .first()
    )
    assert consultation is not None and expert is not None
    (invitation,) = panel_services.invitations_send(
        actor=secretariat,
        consultation=consultation,
        picks=[panel_services.Pick(expert=expert, override_reason="Chuyên gia khách mời.")],
    )
    _link, replaced = links.link_create(invitation)
    _link, raw = links.link_create(invitation)
    return (
        reverse("invitation_links:open", args=[raw]),
        reverse("invitation_links:open", args=[replaced]),
    )


def _guest_reply_page() -> str:
    """The page a workshop guest opens without an account, through a fresh personal link."""
    from thamvan.events.models import Invitation
    from thamvan.events.services import guest_link_issue

    guest = Invitation.objects.guests().filter(workshop__status="invitations_sent").first()
    assert guest is not None
    return reverse("events:guest", args=[guest_link_issue(guest)])


def _violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    found = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            if violation["id"] == "target-size" and "leaflet-marker-icon" in node["html"]:
                # A pin's place on the map is the information (2.5.8's "essential"
                # exception); the dossier list reaches the same dossiers with large targets.
                continue
            found.append(f"{violation['id']} {node['target']}: {node['failureSummary'][:300]}")
    return found


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_main_page_has_no_wcag_a_or_aa_violation_for_any_persona(
    browser: Any, live_server: Any
) -> None:
    from django.conf import settings

    from thamvan.accounts.tests.sessions import verified_client

    _load_demo()
    pages = _pages()
    invitation_link, replaced_link = _invitation_links()
    report: dict[str, list[str]] = {}
    checked: dict[str, int] = {}
    for email in [*PERSONAS, None]:
        context = browser.new_context(base_url=live_server.url, locale="vi-VN")
        # Map tiles come from the internet; the test stays on the live server.
        context.route(lambda url: not url.startswith(live_server.url), lambda route: route.abort())
        if email is not None:
            client = verified_client(User.objects.get(email=email))
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": live_server.url,
                    }
                ]
            )
            paths = pages
        else:
            paths = [
                reverse("accounts:login"),
                reverse("accounts:password_reset"),
                reverse("accounts:password_reset_done"),
                _guest_reply_page(),
                "/no-such-page/",
                invitation_link,
                replaced_link,
            ]
        page = context.new_page()
        seen: set[str] = set()
        count = 0
        for path in paths:
            response = page.goto(path)
            assert response is not None
            final = page.url.removeprefix(live_server.url)
            # A refused page (404) is checked once per persona; a redirect once at its target.
            key = final if response.status not in (403, 404) else str(response.status)
            if key in seen:
                continue
            seen.add(key)
            count += 1
            for violation in _violations(page):
                report.setdefault(violation, []).append(f"{email} {path}")
        if email == "admin@thamvan.example":
            # A form sent back with errors: the summary, the fields marked invalid.
            page.goto(reverse("organizations:create"))
            page.click("form.card button[type=submit]")
            page.wait_for_selector(".form-errors")
            for violation in _violations(page):
                report.setdefault(violation, []).append(f"{email} organisation form with errors")
        if email is None:
            # The invitation link's forms: sent back with errors, then the password step.
            page.goto(invitation_link)
            page.click("button[name=answer][value=accept]")
            page.wait_for_selector("#accept-form .form-errors")
            for violation in _violations(page):
                report.setdefault(violation, []).append("invitation link with errors")
            page.check("#id_declared")
            page.fill("#id_statement", "Không có.")
            page.click("button[name=answer][value=accept]")
            page.wait_for_selector("#activate-form")
            for violation in _violations(page):
                report.setdefault(violation, []).append("invitation link password step")
        checked[str(email)] = count
        context.close()
    summary = "\n".join(f"{v}\n    on {len(p)} pages, e.g. {p[:3]}" for v, p in report.items())
    assert report == {}, summary
    # Each signed-in persona reached most of the main pages; the visitor, the public ones.
    assert min(n for email, n in checked.items() if email != "None") >= 25, checked
    assert checked["None"] == 7, checked
