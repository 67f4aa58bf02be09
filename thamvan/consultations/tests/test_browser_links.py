"""In real Chromium, the whole way of an expert without an account: invited from the
panel page, the e-mail read from the outbox, the link opened in a browser of their own,
accepted with the declaration, an opinion written and submitted under blind review, and
the link asking for sign-in afterwards; altered, expired and revoked links answer a
clear page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from thamvan.consultations.models import Invitation, InvitationLink, Opinion
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.tests.conftest import World
from thamvan.consultations.tests.discussion_world import submit_opinion
from thamvan.consultations.tests.link_world import (
    GUEST_EMAIL,
    guest_expert,
    invite,
    token_in,
)

PASSWORD = "Quy-hoạch-giao-thông-2026"
STATEMENT = "Không có quan hệ với cơ quan tổ chức lập, đơn vị tư vấn hay chủ đầu tư."


def _fresh_page(browser: Any, live_server: Any) -> Any:
    """A page in a browser context of its own: no cookie, no session."""
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    # Submitting an opinion asks for confirmation.
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _opinion_link(consultation: Any, opinion: Opinion) -> str:
    return f"a[href='/consultations/{consultation.pk}/opinions/{opinion.pk}/']"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_expert_without_an_account_is_invited_accepts_by_link_and_gives_an_opinion(
    browser: Any,
    live_server: Any,
    page_for: Any,
    world: World,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    assert consultation.blind_review
    # The other member has already given her opinion: blind review hides it for now.
    submit_opinion(other_expert_user, consultation)
    members_opinion = Opinion.objects.get(expert__user=other_expert_user)
    expert = guest_expert()
    assert expert.user is None

    # The secretariat invites her from the panel page; the row says how she is reached.
    office = page_for(secretariat)
    office.goto(f"/consultations/{consultation.pk}/panel/")
    office.check(f"#pick-{expert.pk}")
    office.fill(f"input[name=override_{expert.pk}]", "Chuyên gia khách mời về giao thông.")
    office.click("#send-invitations")
    office.wait_for_selector(".message-success")
    office.wait_for_selector(f"td[data-delivery='{expert.pk}'][data-delivery-status='sent']")
    assert office.locator(f"[data-link-invitation='{expert.pk}']").count() == 1

    # The e-mail, read from the outbox, carries her personal link.
    (message,) = [m for m in mail.outbox if GUEST_EMAIL in m.to]
    assert consultation.title in message.subject
    token = token_in(message.body)
    link = f"/invitations/{token}/"

    # She opens it in a browser of her own, without a password.
    guest = _fresh_page(browser, live_server)
    response = guest.goto(link)
    assert response is not None and response.status == 200
    assert response.headers["referrer-policy"] == "strict-origin"
    assert consultation.dossier.name in guest.text_content("main")
    for question in consultation.questions.all():
        assert question.text in guest.text_content("#questions")
    invitation = Invitation.objects.get(consultation=consultation, expert=expert)
    assert invitation.respond_by is not None
    assert invitation.respond_by.strftime("%d/%m/%Y") in guest.text_content("#answer-by")

    # She accepts with the declaration, chooses a password and lands in the opinion editor.
    guest.check("#id_declared")
    guest.fill("#id_statement", STATEMENT)
    guest.click("button[name=answer][value=accept]")
    assert guest.input_value("#id_email") == GUEST_EMAIL
    guest.fill("#id_password1", PASSWORD)
    guest.fill("#id_password2", PASSWORD)
    guest.click("button[name=answer][value=activate]")
    guest.wait_for_url(f"**/consultations/{consultation.pk}/opinion/")
    guest.wait_for_selector("#id_verdict")
    expert.refresh_from_db()
    assert expert.user is not None and expert.user.email == GUEST_EMAIL

    # Blind review: before submitting she does not see the member's opinion.
    guest.goto(consultation.get_absolute_url())
    guest.wait_for_selector("[data-state=in_review]")
    assert guest.locator(_opinion_link(consultation, members_opinion)).count() == 0

    # She writes and submits her opinion; now she reads the member's too.
    guest.goto(f"/consultations/{consultation.pk}/opinion/")
    guest.select_option("#id_verdict", "conditions")
    guest.fill("#id_summary", "Cần bổ sung phương án tổ chức giao thông tĩnh.")
    guest.wait_for_selector("#save-status p.muted")
    guest.click("#submit-opinion")
    guest.wait_for_selector("[data-state=in_review]")
    guest.wait_for_load_state("networkidle")
    own = Opinion.objects.get(expert=expert)
    assert own.state == Opinion.Status.SUBMITTED
    assert guest.locator(_opinion_link(consultation, members_opinion)).count() == 1

    # The chair submits her own opinion, then sees the new expert's.
    chair = page_for(expert_user)
    chair.goto(f"/consultations/{consultation.pk}/opinion/")
    chair.select_option("#id_verdict", "agree")
    chair.wait_for_selector("#save-status p.muted")
    chair.click("#submit-opinion")
    chair.wait_for_selector("[data-state=in_review]")
    chair.wait_for_load_state("networkidle")
    assert chair.locator(_opinion_link(consultation, own)).count() == 1
    chair.click(_opinion_link(consultation, own))
    chair.wait_for_selector("text=Cần bổ sung phương án tổ chức giao thông tĩnh.")

    # A second use of the link, in another browser, asks for sign-in and activates nothing.
    again = _fresh_page(browser, live_server)
    second = again.goto(link)
    assert second is not None and second.status == 200
    again.wait_for_selector("[data-link-state=activated]")
    assert again.locator("#id_password1").count() == 0
    again.click("[data-link-state=activated] a.button")
    again.wait_for_url("**/accounts/login/**")
    again.fill("#id_username", GUEST_EMAIL)
    again.fill("#id_password", PASSWORD)
    again.click("main form button[type=submit]")
    again.wait_for_url(f"**/consultations/{consultation.pk}/")
    again.wait_for_selector("[data-state=in_review]")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_altered_expired_and_revoked_links_answer_a_clear_page(
    browser: Any, live_server: Any, world: World, officer: Any, secretariat: Any
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    links = {}
    for name in ("expired", "revoked"):
        mail.outbox.clear()
        invitation = invite(consultation, secretariat, guest_expert(email=f"{name}@example.vn"))
        links[name] = (invitation, f"/invitations/{token_in(mail.outbox[-1].body)}/")
    InvitationLink.objects.filter(invitation=links["expired"][0]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    panel_services.invitation_revoke(
        actor=secretariat, invitation=links["revoked"][0], reason="Đã đủ thành viên."
    )
    token = links["expired"][1].split("/")[2]
    altered = f"/invitations/{token[:-3]}xyz/"

    page = _fresh_page(browser, live_server)
    for path, status, state in (
        (altered, 404, "unknown"),
        (links["expired"][1], 410, "expired"),
        (links["revoked"][1], 410, "withdrawn"),
    ):
        response = page.goto(path)
        assert response is not None and response.status == status, path
        page.wait_for_selector(f"[data-link-state={state}]")
        assert page.locator("h1").count() == 1
        assert page.locator("button[name=answer]").count() == 0
        assert consultation.dossier.name not in page.text_content("main")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_link_pages_fit_a_phone_without_sideways_scrolling(
    browser: Any, live_server: Any, guest: Any
) -> None:
    page = _fresh_page(browser, live_server)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(guest.url)
    widths = [page.evaluate("document.documentElement.scrollWidth - window.innerWidth")]
    page.check("#id_declared")
    page.fill("#id_statement", STATEMENT)
    page.click("button[name=answer][value=accept]")
    page.wait_for_selector("#activate-form")
    widths.append(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
    assert widths == [0, 0]
