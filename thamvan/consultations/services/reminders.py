"""Reminders of unanswered panel invitations, sent by the periodic job.

An invitation is recalled to its expert on each of ``INVITATION_REMINDER_DAYS`` working
days before its answer date, once each: the count sent is kept on the invitation and
claimed with a conditional update, so the hourly job (or two running at once) never
sends one twice. The timeline gets one entry per consultation and run, naming the
experts reminded.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from thamvan.consultations.deadlines import working_days_before
from thamvan.consultations.lifecycle import ACTIONS
from thamvan.consultations.models import Invitation
from thamvan.consultations.services._common import _lock, _record
from thamvan.consultations.services.panel import invitation_deliver


def reminder_days(invitation: Invitation) -> list[date]:
    """The days the invitation is recalled while unanswered, earliest first: those of
    the configured working days before its answer date that fall after the day it was
    sent."""
    if invitation.respond_by is None:
        return []
    sent_on = timezone.localdate(invitation.invited_at)
    days = {
        working_days_before(invitation.respond_by, n) for n in settings.INVITATION_REMINDER_DAYS
    }
    return sorted(day for day in days if day > sent_on)


def invitations_remind(today: date | None = None) -> int:
    """Send the reminders due by ``today``, each once; returns how many were sent. After
    days without a run, an invitation gets one reminder, not the backlog."""
    day = today or timezone.localdate()
    if not settings.INVITATION_REMINDER_DAYS:
        return 0
    answerable = ACTIONS["answer_invitation"].from_states
    pending = (
        Invitation.objects.filter(
            state=Invitation.Status.INVITED,
            respond_by__gte=day,
            consultation__state__in=answerable,
        )
        .select_related("consultation__dossier", "expert__user")
        .order_by("consultation_id", "invited_at", "pk")
    )
    due: dict[int, list[tuple[Invitation, int]]] = defaultdict(list)
    for invitation in pending:
        count = sum(1 for reminder in reminder_days(invitation) if reminder <= day)
        if count > invitation.reminders_sent:
            due[invitation.consultation_id].append((invitation, count))
    sent = 0
    for invitations in due.values():
        with transaction.atomic():
            consultation = _lock(invitations[0][0].consultation)
            if consultation.state not in answerable:
                continue
            reminded = []
            for invitation, count in invitations:
                # The claim: an answer, a revocation or another run since the read
                # leaves nothing to update, and nothing is sent.
                claimed = Invitation.objects.filter(
                    pk=invitation.pk, state=Invitation.Status.INVITED, reminders_sent__lt=count
                ).update(reminders_sent=count)
                if claimed:
                    invitation.reminders_sent = count
                    invitation_deliver(invitation, reminder=True)
                    reminded.append(invitation)
            if reminded:
                _record(
                    consultation,
                    None,
                    "invitation_reminded",
                    reason="; ".join(i.expert.titled_name for i in reminded),
                    data={"invitations": [i.pk for i in reminded]},
                )
                sent += len(reminded)
    return sent
