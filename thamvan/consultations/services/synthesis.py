"""The synthesis of the opinions and the issue of the report."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import User
from thamvan.consultations.lifecycle import ConsultationError, check
from thamvan.consultations.models import (
    Consultation,
    OpinionItem,
    State,
)
from thamvan.consultations.services._common import (
    STALE_SYNTHESIS,
    _agency_users,
    _audit,
    _chair_users,
    _lock,
    _notify,
    _panel_users,
    _record,
    _secretariat_users,
)
from thamvan.search.normalize import nfc


@transaction.atomic
def consultation_start_synthesis(*, actor: User, consultation: Consultation) -> Consultation:
    _lock(consultation)
    check("start_synthesis", actor, consultation)
    _record(consultation, actor, "synthesis_started", State.SYNTHESIZING)
    _notify(
        [*_chair_users(consultation), *_secretariat_users(consultation)],
        consultation,
        "synthesis_started",
        _("The synthesis has started for: %(title)s"),
    )
    return consultation


@transaction.atomic
def synthesis_save(
    *,
    actor: User,
    consultation: Consultation,
    lock_version: int,
    introduction: str,
    conclusions: str,
    recommendations: str,
    topics: dict[int, str] | None = None,
) -> Consultation:
    check("synthesize", actor, consultation)
    updated = Consultation.objects.filter(
        pk=consultation.pk, synthesis_lock_version=lock_version, state=State.SYNTHESIZING
    ).update(
        introduction=nfc(introduction),
        conclusions=nfc(conclusions),
        recommendations=nfc(recommendations),
        synthesis_lock_version=F("synthesis_lock_version") + 1,
        updated_at=timezone.now(),
    )
    if not updated:
        raise ConsultationError(STALE_SYNTHESIS, code="stale")
    consultation.introduction = nfc(introduction)
    consultation.conclusions = nfc(conclusions)
    consultation.recommendations = nfc(recommendations)
    consultation.synthesis_lock_version = lock_version + 1
    if topics:
        items = OpinionItem.objects.filter(opinion__consultation=consultation, pk__in=list(topics))
        for item in items:
            item.topic = nfc(topics[item.pk]).strip()[:255]
        OpinionItem.objects.bulk_update(items, ["topic"])
    _audit(
        actor,
        "consultation.save_synthesis",
        consultation,
        consultation,
        version=consultation.synthesis_lock_version,
    )
    return consultation


@transaction.atomic
def consultation_issue_report(
    *, actor: User, consultation: Consultation, report_number: str = ""
) -> Consultation:
    from thamvan.documents.services import documents_generate

    _lock(consultation)
    consultation.refresh_from_db(fields=["conclusions"])
    check("issue_report", actor, consultation)
    consultation.report_number = nfc(report_number).strip()
    consultation.reported_at = timezone.now()
    consultation.save(update_fields=["report_number", "reported_at"])
    _record(consultation, actor, "reported", State.REPORTED)
    documents_generate(actor=actor, consultation=consultation)
    _notify(
        [*_agency_users(consultation), *_panel_users(consultation)],
        consultation,
        "reported",
        _("The synthesis report was issued for: %(title)s"),
    )
    return consultation
