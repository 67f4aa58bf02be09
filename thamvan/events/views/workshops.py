from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from thamvan import audit
from thamvan.audit.services import Action
from thamvan.core.forms import FIRST_DAY, LAST_DAY
from thamvan.core.http import AuthedRequest
from thamvan.core.locking import EditConflict, show_conflict
from thamvan.core.pagination import paginate, query_without_page
from thamvan.dossiers.models import Dossier
from thamvan.events.access import (
    can_manage_workshops,
    get_conclusion_for_update,
    get_own_invitation,
    get_workshop_for_update,
    get_workshop_for_user,
)
from thamvan.events.forms import (
    ConclusionTaskForm,
    GuestForm,
    InviteForm,
    MinutesForm,
    ReplyForm,
    WorkshopFilterForm,
    WorkshopForm,
)
from thamvan.events.ical import calendar
from thamvan.events.models import Invitation, Workshop, WorkshopQuerySet
from thamvan.events.services import (
    WorkshopError,
    invitation_reply,
    minutes_conclusion_to_task,
    workshop_cancel,
    workshop_invite,
    workshop_publish_minutes,
    workshop_record_attendance,
    workshop_save,
    workshop_send_invitations,
)
from thamvan.notifications import outbox
from thamvan.notifications.models import OutgoingEmail
from thamvan.organizations.models import Organization
from thamvan.programme.models import Task
from thamvan.search.normalize import slugify_vi


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_workshops(workshops: WorkshopQuerySet, data: dict[str, Any]) -> WorkshopQuerySet:
    """The workshop list's filters; the dashboard counts with the same function."""
    if q := data.get("q"):
        workshops = workshops.search(q)
    if status := data.get("status"):
        workshops = workshops.filter(status=status)
    when = data.get("when")
    if when == "upcoming":
        workshops = workshops.upcoming(timezone.now())
    elif when == "past":
        workshops = workshops.filter(starts_at__lt=timezone.now())
    if organization := data.get("organization"):
        workshops = workshops.filter(
            host_id__in=sorted(Organization.objects.subtree_ids({organization.pk}))
        )
    if start := data.get("start"):
        workshops = workshops.filter(starts_at__gte=_day_start(start))
    if end := data.get("end"):
        workshops = workshops.filter(starts_at__lt=_day_start(end + timedelta(days=1)))
    return workshops


@login_required
def workshop_list(request: AuthedRequest) -> TemplateResponse:
    filters = WorkshopFilterForm(request.GET)
    workshops = Workshop.objects.visible_to(request.user).select_related("host")
    if filters.is_valid():
        workshops = filter_workshops(workshops, filters.cleaned_data)
    context = {
        "filters": filters,
        "page_obj": paginate(request, workshops),
        "query_string": query_without_page(request),
        "can_manage": can_manage_workshops(request.user),
    }
    template = "events/list.html#results" if request.htmx else "events/list.html"
    return TemplateResponse(request, template, context)


@login_required
def workshop_calendar(request: AuthedRequest) -> TemplateResponse:
    """A month of workshops, Monday first, as a table."""
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        first = date(year, month, 1)
        if not FIRST_DAY <= first <= LAST_DAY:
            # The neighbouring months' links would overflow the date range.
            raise ValueError(first)
    except ValueError:
        first = today.replace(day=1)
    last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
    workshops = (
        Workshop.objects.visible_to(request.user)
        .filter(
            starts_at__gte=_day_start(first), starts_at__lt=_day_start(last + timedelta(days=1))
        )
        .order_by("starts_at")
    )
    by_day: dict[date, list[Workshop]] = {}
    for workshop in workshops:
        by_day.setdefault(timezone.localtime(workshop.starts_at).date(), []).append(workshop)
    weeks = [
        [
            {
                "day": day,
                "in_month": day.month == first.month,
                "today": day == today,
                "workshops": by_day.get(day, []),
            }
            for day in week
        ]
        for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(
            first.year, first.month
        )
    ]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return TemplateResponse(
        request,
        "events/calendar.html",
        {
            "month": first,
            "weeks": weeks,
            "previous": f"{previous:%Y-%m}",
            "next": f"{following:%Y-%m}",
            "can_manage": can_manage_workshops(request.user),
        },
    )


@dataclass(frozen=True)
class InviteeRow:
    invitation: Invitation
    # The newest invitation e-mail of a guest; None for people with an account.
    email: OutgoingEmail | None


def detail_context(
    request: AuthedRequest, workshop: Workshop, guest_form: GuestForm | None = None
) -> dict[str, Any]:
    """The workshop page; the guest form's view renders it again with its errors."""
    manage = can_manage_workshops(request.user)
    own = Invitation.objects.filter(workshop=workshop, user=request.user).first()
    invitations = list(workshop.invitations.in_list_order().select_related("user"))
    rows: list[InviteeRow] = []
    if manage or request.user.has_role("leadership"):
        # The fate of each guest's e-mail, in one query for the whole list.
        emails = outbox.latest_for(Invitation, [i.pk for i in invitations if i.is_guest])
        rows = [InviteeRow(i, emails.get(i.pk)) for i in invitations]
    return {
        "workshop": workshop,
        "can_manage": manage,
        "own_invitation": own,
        "reply_form": ReplyForm() if own else None,
        "invitees": rows,
        "reply_counts": {
            reply: sum(1 for i in invitations if i.reply == reply)
            for reply in Invitation.Reply.values
        },
        "dossiers": workshop.dossiers.filter(
            pk__in=Dossier.objects.visible_to(request.user).values("pk")
        ),
        "tasks": workshop.tasks.filter(pk__in=Task.objects.visible_to(request.user).values("pk")),
        "conclusions": workshop.conclusions.select_related("task"),
        "invite_form": InviteForm() if manage else None,
        "guest_form": (guest_form or GuestForm()) if manage else None,
        "is_past": workshop.starts_at <= timezone.now(),
    }


@login_required
def workshop_detail(request: AuthedRequest, pk: int) -> TemplateResponse:
    workshop = get_workshop_for_user(request.user, pk)
    return TemplateResponse(request, "events/detail.html", detail_context(request, workshop))


@login_required
@require_http_methods(["GET", "POST"])
def workshop_create(request: AuthedRequest) -> HttpResponse:
    if not can_manage_workshops(request.user):
        raise PermissionDenied
    return _workshop_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def workshop_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _workshop_form(request, get_workshop_for_update(request.user, pk))


def _workshop_form(request: AuthedRequest, workshop: Workshop | None) -> HttpResponse:
    form = WorkshopForm(request.POST or None, instance=workshop, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = workshop_save(
                actor=request.user,
                workshop=form.instance,
                dossiers=form.cleaned_data["dossiers"],
                tasks=form.cleaned_data["tasks"],
                expected_version=form.cleaned_data["lock_version"],
            )
        except EditConflict as conflict:
            show_conflict(form, conflict)
        except WorkshopError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The workshop was saved."))
            return redirect(saved)
    return TemplateResponse(request, "events/form.html", {"form": form, "workshop": workshop})


def run_action(
    request: AuthedRequest, workshop: Workshop, action: Any, success: str
) -> HttpResponse:
    """Do the service call; its refusal becomes an error message on the workshop page."""
    try:
        action()
    except WorkshopError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect(workshop)


@login_required
@require_POST
def workshop_invite_view(request: AuthedRequest, pk: int) -> HttpResponse:
    workshop = get_workshop_for_update(request.user, pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one person to invite."))
        return redirect(workshop)
    users = form.cleaned_data["users"]
    return run_action(
        request,
        workshop,
        lambda: workshop_invite(actor=request.user, workshop=workshop, users=users),
        _("The invitees were added."),
    )


@login_required
@require_POST
def workshop_send(request: AuthedRequest, pk: int) -> HttpResponse:
    workshop = get_workshop_for_update(request.user, pk)
    return run_action(
        request,
        workshop,
        lambda: workshop_send_invitations(actor=request.user, workshop=workshop),
        pgettext("workshop", "The invitations were sent."),
    )


@login_required
@require_POST
def workshop_cancel_view(request: AuthedRequest, pk: int) -> HttpResponse:
    workshop = get_workshop_for_update(request.user, pk)
    return run_action(
        request,
        workshop,
        lambda: workshop_cancel(actor=request.user, workshop=workshop),
        _("The workshop was cancelled."),
    )


@login_required
@require_POST
def workshop_attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    workshop = get_workshop_for_update(request.user, pk)
    # Invitation ids: guests have no account to name them by.
    ids = [int(v) for v in request.POST.getlist("attended") if v.isdigit()]
    return run_action(
        request,
        workshop,
        lambda: workshop_record_attendance(
            actor=request.user, workshop=workshop, attended_invitation_ids=ids
        ),
        _("Attendance was recorded."),
    )


@login_required
@require_POST
def invitation_reply_view(request: AuthedRequest, pk: int) -> HttpResponse:
    workshop = get_workshop_for_user(request.user, pk)
    invitation = get_own_invitation(request.user, workshop.pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether you will attend."))
        return redirect(workshop)
    return run_action(
        request,
        workshop,
        lambda: invitation_reply(
            actor=request.user,
            invitation=invitation,
            accept=form.cleaned_data["accept"],
            note=form.cleaned_data["note"],
        ),
        _("Your reply was recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def workshop_minutes(request: AuthedRequest, pk: int) -> HttpResponse:
    workshop = get_workshop_for_update(request.user, pk)
    form = MinutesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workshop_publish_minutes(
                actor=request.user,
                workshop=workshop,
                minutes=form.cleaned_data["minutes"],
                conclusions=form.cleaned_data["conclusions"].splitlines(),
            )
        except WorkshopError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The minutes were published."))
            return redirect(workshop)
    return TemplateResponse(
        request, "events/minutes_form.html", {"form": form, "workshop": workshop}
    )


@login_required
@require_http_methods(["GET", "POST"])
def conclusion_task(request: AuthedRequest, pk: int) -> HttpResponse:
    conclusion = get_conclusion_for_update(request.user, pk)
    form = ConclusionTaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            task = minutes_conclusion_to_task(
                actor=request.user,
                conclusion=conclusion,
                lead_organization=form.cleaned_data["lead_organization"],
                deadline=form.cleaned_data["deadline"],
            )
        except WorkshopError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The conclusion became a task."))
            return redirect(task)
    return TemplateResponse(
        request, "events/conclusion_task_form.html", {"form": form, "conclusion": conclusion}
    )


def ics_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def workshop_ics(request: AuthedRequest, pk: int) -> HttpResponse:
    workshop = get_workshop_for_user(request.user, pk)
    text = calendar([workshop], name=workshop.topic, now=timezone.now())
    audit.record(
        actor=request.user,
        action=Action.EXPORT,
        target=workshop,
        data={"what": "workshop", "format": "ics"},
        request=request,
    )
    return ics_response(text, f"{slugify_vi(workshop.topic)[:60] or 'hoi-thao'}.ics")


@login_required
def my_calendar_ics(request: AuthedRequest) -> HttpResponse:
    """The workshops the user is invited to and has not declined."""
    # One subquery over the user's own invitations: an exclude() across the
    # relation would also drop workshops that someone else declined.
    mine = Invitation.objects.filter(user=request.user).exclude(reply=Invitation.Reply.DECLINED)
    workshops = list(Workshop.objects.filter(pk__in=mine.values("workshop")).order_by("starts_at"))
    text = calendar(workshops, name=_("My workshops"), now=timezone.now())
    audit.record(
        actor=request.user,
        action=Action.EXPORT,
        data={"what": "my_workshops", "format": "ics", "count": len(workshops)},
        request=request,
    )
    return ics_response(text, "lich-hoi-thao.ics")
