"""After the report: the agency's responses, the explicit close, the revised version,
deadlines."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import User
from thamvan.consultations.deadlines import rule_on
from thamvan.consultations.lifecycle import check, items_to_answer
from thamvan.consultations.models import (
    Consultation,
    Invitation,
    Opinion,
    OpinionItem,
    Response,
    State,
)

__all__ = ["items_to_answer"]
from thamvan.consultations.services._common import (
    EXPLANATION_REQUIRED,
    VERSION_OF_OTHER_DOSSIER,
    _audit,
    _chair_users,
    _lock,
    _notify,
    _panel_users,
    _record,
    _require,
    _secretariat_users,
)
from thamvan.core.locking import EditConflict
from thamvan.dossiers.models import DossierVersion
from thamvan.notifications.services import notify
from thamvan.search.indexing import index_object


@transaction.atomic
def response_record(
    *,
    actor: User,
    item: OpinionItem,
    result: str,
    explanation: str = "",
    lock_version: int | None = None,
) -> Response:
    """Answer one item, or change its answer until the round is closed. ``lock_version`` is
    the version the form was opened at (0: there was no answer yet); a different stored one
    raises ``EditConflict``."""
    consultation = _lock(item.opinion.consultation)
    check("answer", actor, consultation)
    _require(result in Response.Result.values, EXPLANATION_REQUIRED, "result")
    _require(
        result == Response.Result.ACCEPTED or bool(explanation.strip()),
        EXPLANATION_REQUIRED,
        "explanation",
    )
    _require(items_to_answer(consultation).filter(pk=item.pk).exists())
    response = Response.objects.filter(item=item).first()
    if response is None:
        if lock_version:
            raise EditConflict(0)
        response = Response(item=item, lock_version=1)
    elif lock_version is not None and response.lock_version != lock_version:
        raise EditConflict(response.lock_version)
    else:
        response.lock_version += 1
    response.result = result
    response.explanation = explanation
    response.responded_by = actor
    response.responded_at = timezone.now()
    response.save()
    index_object(response)
    _audit(actor, "response.record", response, consultation, item=item.pk, result=result)
    if consultation.state == State.REPORTED:
        _record(consultation, actor, "responding", State.RESPONDING)
    return response


@transaction.atomic
def consultation_close(*, actor: User, consultation: Consultation) -> Consultation:
    """The agency confirms its answers: the round closes and the answers are final."""
    from thamvan.documents.services import documents_generate

    _lock(consultation)
    check("close", actor, consultation)
    consultation.closed_at = timezone.now()
    consultation.save(update_fields=["closed_at"])
    _record(consultation, actor, "closed", State.CLOSED)
    documents_generate(actor=actor, consultation=consultation, kinds=("response_table", "items"))
    _notify(
        [*_secretariat_users(consultation), *_panel_users(consultation)],
        consultation,
        "closed",
        _("The agency answered every remark; the consultation is closed: %(title)s"),
    )
    return consultation


@transaction.atomic
def consultation_link_revision(
    *, actor: User, consultation: Consultation, version: DossierVersion
) -> Consultation:
    check("link_revision", actor, consultation)
    _require(version.dossier_id == consultation.dossier_id, VERSION_OF_OTHER_DOSSIER, "version")
    consultation.revised_version = version
    consultation.save(update_fields=["revised_version", "updated_at"])
    _record(consultation, actor, "revision_linked", reason=str(version))
    return consultation


# --- Deadlines -------------------------------------------------------------------------


def deadlines_check(today: Any = None) -> int:
    """Send 3- and 1-day reminders and flag overdue consultations; returns notifications sent.

    Counted from the current deadline and keyed by it: after an extension the old date's
    reminders no longer fire and the new date gets its own."""
    day = today or timezone.localdate()
    sent = 0
    rule = rule_on(day)
    active = Consultation.objects.filter(
        state__in=(State.PANEL_FORMING, State.IN_REVIEW), deadline__isnull=False
    ).select_related("dossier")
    for consultation in active:
        left = (consultation.deadline - day).days if consultation.deadline else None
        if left is None:
            continue
        if left in rule.reminders:
            submitted = set(
                consultation.opinions.filter(state=Opinion.Status.SUBMITTED).values_list(
                    "expert_id", flat=True
                )
            )
            waiting = [
                i.expert.user
                for i in consultation.invitations.filter(
                    state=Invitation.Status.ACCEPTED
                ).select_related("expert__user")
                if i.expert_id not in submitted and i.expert.user is not None
            ]
            sent += len(
                notify(
                    waiting,
                    kind="reminder",
                    message=_("%(days)s day(s) left to submit your opinion on: %(title)s"),
                    params={"days": left, "title": consultation.title},
                    url=consultation.get_absolute_url(),
                    dedupe_key=f"reminder:{consultation.pk}:{consultation.deadline}:{left}",
                )
            )
        if left < 0 and not consultation.overdue:
            Consultation.objects.filter(pk=consultation.pk).update(overdue=True)
            sent += len(
                notify(
                    [*_secretariat_users(consultation), *_chair_users(consultation)],
                    kind="overdue",
                    message=_("The answer deadline has passed for: %(title)s"),
                    params={"title": consultation.title},
                    url=consultation.get_absolute_url(),
                    dedupe_key=f"overdue:{consultation.pk}:{consultation.deadline}",
                )
            )
    return sent
