"""Consultation requests: create, edit, send, accept, return, withdraw, next round."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import Role, User
from thamvan.consultations.deadlines import add_days, rule_on
from thamvan.consultations.lifecycle import ConsultationError, check, check_new_deadline
from thamvan.consultations.models import (
    Consultation,
    Invitation,
    Question,
    State,
)
from thamvan.consultations.services._common import (
    NO_QUESTIONS,
    NOT_AN_ASSOCIATION,
    VERSION_OF_OTHER_DOSSIER,
    _agency_users,
    _audit,
    _lock,
    _notify,
    _panel_users,
    _record,
    _require,
    _secretariat_users,
)
from thamvan.core.locking import save_with_lock
from thamvan.dossiers.access import can_change_dossier
from thamvan.dossiers.models import Dossier, DossierVersion
from thamvan.dossiers.services import version_freeze
from thamvan.notifications.services import notify
from thamvan.organizations.models import Organization
from thamvan.search.normalize import nfc


def can_create_consultation(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.has_role(Role.AGENCY_OFFICER) or user.is_admin)
    )


def _clean_questions(questions: Sequence[str]) -> list[str]:
    cleaned = [nfc(q).strip() for q in questions if q and q.strip()]
    if not cleaned:
        raise ConsultationError(NO_QUESTIONS, code="questions")
    return cleaned


def _set_questions(consultation: Consultation, questions: list[str]) -> None:
    consultation.questions.all().delete()
    Question.objects.bulk_create(
        Question(consultation=consultation, order=index, text=text)
        for index, text in enumerate(questions, start=1)
    )


@transaction.atomic
def consultation_create(
    *,
    actor: User,
    dossier: Dossier,
    version: DossierVersion,
    association: Organization,
    title: str,
    questions: Sequence[str],
    required_specialties: Iterable[Any] = (),
    panel_size: int = 3,
    max_per_organization: int | None = 2,
    needs_senior: bool = True,
    deadline_days: int | None = None,
    day_kind: str = "",
    blind_review: bool = True,
    letter_number: str = "",
    note: str = "",
    previous: Consultation | None = None,
) -> Consultation:
    _require(can_change_dossier(actor, dossier))
    _require(version.dossier_id == dossier.pk, VERSION_OF_OTHER_DOSSIER, "version")
    _require(
        association.kind in (Organization.Kind.ASSOCIATION, Organization.Kind.ASSOCIATION_BRANCH),
        NOT_AN_ASSOCIATION,
        "association",
    )
    cleaned = _clean_questions(questions)
    consultation = Consultation.objects.create(
        dossier=dossier,
        version=version,
        association=association,
        title=title,
        letter_number=letter_number,
        note=note,
        panel_size=panel_size,
        max_per_organization=max_per_organization,
        needs_senior=needs_senior,
        deadline_days=deadline_days,
        day_kind=day_kind,
        blind_review=blind_review,
        previous=previous,
        round_number=(previous.round_number + 1) if previous else 1,
        created_by=actor,
    )
    consultation.required_specialties.set(list(required_specialties))
    _set_questions(consultation, cleaned)
    _record(consultation, actor, "created", reason="")
    return consultation


EDITABLE_FIELDS = frozenset(
    {
        "title",
        "letter_number",
        "note",
        "version",
        "association",
        "panel_size",
        "max_per_organization",
        "needs_senior",
        "deadline_days",
        "day_kind",
        "blind_review",
    }
)


@transaction.atomic
def consultation_update(
    *,
    actor: User,
    consultation: Consultation,
    questions: Sequence[str] | None = None,
    required_specialties: Iterable[Any] | None = None,
    lock_version: int | None = None,
    **fields: Any,
) -> Consultation:
    """Change a draft request; with ``lock_version`` (the version the form was opened at),
    raise ``EditConflict`` if someone saved it since, questions included."""
    _lock(consultation)
    check("edit", actor, consultation)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if "version" in fields:
        _require(
            fields["version"].dossier_id == consultation.dossier_id,
            VERSION_OF_OTHER_DOSSIER,
            "version",
        )
    for name, value in fields.items():
        setattr(consultation, name, value)
    if lock_version is None:
        consultation.save()
    else:
        save_with_lock(consultation, expected_version=lock_version)
    if questions is not None:
        _set_questions(consultation, _clean_questions(questions))
    if required_specialties is not None:
        consultation.required_specialties.set(list(required_specialties))
    _audit(actor, "consultation.update", consultation, consultation, fields=sorted(fields))
    return consultation


@transaction.atomic
def consultation_send(*, actor: User, consultation: Consultation) -> Consultation:
    _lock(consultation)
    check("send", actor, consultation)
    version_freeze(actor=actor, version=consultation.version)
    consultation.sent_at = timezone.now()
    consultation.save(update_fields=["sent_at"])
    _record(consultation, actor, "sent", State.SENT)
    _notify(
        _secretariat_users(consultation),
        consultation,
        "consultation_sent",
        _("New consultation request: %(title)s"),
    )
    return consultation


@transaction.atomic
def consultation_accept(*, actor: User, consultation: Consultation) -> Consultation:
    """The secretariat confirms the dossier complete; the answer period starts today."""
    _lock(consultation)
    check("accept", actor, consultation)
    today = timezone.localdate()
    rule = rule_on(today)
    days = consultation.deadline_days or rule.days
    day_kind = consultation.day_kind or rule.day_kind
    consultation.accepted_at = timezone.now()
    consultation.deadline = add_days(today, days, day_kind)
    consultation.save(update_fields=["accepted_at", "deadline"])
    _record(consultation, actor, "accepted", State.ACCEPTED)
    _notify(
        _agency_users(consultation),
        consultation,
        "consultation_accepted",
        _("The association accepted the consultation request: %(title)s"),
    )
    return consultation


@transaction.atomic
def consultation_return(*, actor: User, consultation: Consultation, reason: str) -> Consultation:
    _lock(consultation)
    check("return", actor, consultation, reason=reason)
    _record(consultation, actor, "returned", State.RETURNED, reason)
    _notify(
        _agency_users(consultation),
        consultation,
        "consultation_returned",
        _("The association returned the consultation request: %(title)s"),
    )
    return consultation


@transaction.atomic
def consultation_withdraw(*, actor: User, consultation: Consultation, reason: str) -> Consultation:
    _lock(consultation)
    check("withdraw", actor, consultation, reason=reason)
    notify_after = consultation.state != State.DRAFT
    _record(consultation, actor, "withdrawn", State.WITHDRAWN, reason)
    consultation.invitations.filter(state=Invitation.Status.INVITED).update(
        state=Invitation.Status.EXPIRED
    )
    if notify_after:
        _notify(
            [*_secretariat_users(consultation), *_panel_users(consultation)],
            consultation,
            "consultation_withdrawn",
            _("The consultation was withdrawn: %(title)s"),
        )
    return consultation


@transaction.atomic
def consultation_new_round(
    *, actor: User, previous: Consultation, version: DossierVersion
) -> Consultation:
    """A draft for the next round on a newer version, with the same questions and needs."""
    check("new_round", actor, previous)
    return consultation_create(
        actor=actor,
        dossier=previous.dossier,
        version=version,
        association=previous.association,
        title=previous.title,
        questions=[q.text for q in previous.questions.all()],
        required_specialties=previous.required_specialties.all(),
        panel_size=previous.panel_size,
        max_per_organization=previous.max_per_organization,
        needs_senior=previous.needs_senior,
        deadline_days=previous.deadline_days,
        day_kind=previous.day_kind,
        blind_review=previous.blind_review,
        previous=previous,
    )


@transaction.atomic
def consultation_extend_deadline(
    *, actor: User, consultation: Consultation, deadline: date, reason: str
) -> Consultation:
    """Move the answer deadline later. The reminders follow by themselves: the daily check
    counts the days left to the current deadline and keys each reminder by it."""
    _lock(consultation)
    # The deadline may have moved since the object was read.
    consultation.deadline = Consultation.objects.values_list("deadline", flat=True).get(
        pk=consultation.pk
    )
    check("extend_deadline", actor, consultation, reason=reason)
    check_new_deadline(consultation, deadline, timezone.localdate())
    old = consultation.deadline
    assert old is not None  # the lifecycle's precondition
    consultation.deadline = deadline
    # A new deadline restarts the overdue flag and its notice.
    consultation.overdue = False
    consultation.save(update_fields=["deadline", "overdue", "updated_at"])
    change = {"old_deadline": old.isoformat(), "new_deadline": deadline.isoformat()}
    transition = _record(consultation, actor, "deadline_extended", reason=reason, data=change)
    transition.data = change
    transition.save(update_fields=["data"])
    notify(
        [
            *_agency_users(consultation),
            *_secretariat_users(consultation),
            *_panel_users(consultation),
        ],
        kind="deadline_extended",
        message=_("The answer deadline of “%(title)s” was extended to %(deadline)s."),
        params={"title": consultation.title, "deadline": deadline.strftime("%d/%m/%Y")},
        url=consultation.get_absolute_url(),
    )
    return consultation
