"""Expert opinions: drafts, items, attachments, submission, amendment, offline records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import User
from thamvan.consultations import access
from thamvan.consultations.lifecycle import ConsultationError, check, require_state
from thamvan.consultations.models import (
    Answer,
    Attachment,
    Consultation,
    Invitation,
    Opinion,
    OpinionItem,
    Question,
)
from thamvan.consultations.services._common import (
    AUTHOR_REQUIRED,
    ITEM_DOCUMENT_NOT_IN_VERSION,
    NOT_YOUR_OPINION,
    OPINION_LOCKED,
    STALE_OPINION,
    VERDICT_REQUIRED,
    _audit,
    _chair_users,
    _lock,
    _notify,
    _record,
    _require,
    _secretariat_users,
)
from thamvan.core.uploads import DOCUMENT_KINDS, check_upload, generated_key
from thamvan.dossiers.models import Document
from thamvan.experts.models import Expert
from thamvan.search.indexing import index_object
from thamvan.search.normalize import nfc


def _member_expert(actor: User, consultation: Consultation) -> Expert:
    invitation = access.invitation_of(actor, consultation)
    _require(invitation is not None and invitation.state == Invitation.Status.ACCEPTED)
    assert invitation is not None
    return invitation.expert


@transaction.atomic
def opinion_start(*, actor: User, consultation: Consultation) -> Opinion:
    """The member's draft, created on first use (one draft per expert at a time)."""
    _lock(consultation)
    check("write_opinion", actor, consultation)
    expert = _member_expert(actor, consultation)
    draft = Opinion.objects.filter(
        consultation=consultation, expert=expert, state=Opinion.Status.DRAFT
    ).first()
    if draft is not None:
        return draft
    _require(
        not Opinion.objects.filter(consultation=consultation, expert=expert).exists(),
        OPINION_LOCKED,
        "locked",
    )
    return Opinion.objects.create(consultation=consultation, expert=expert, recorded_by=actor)


def _check_own_draft(actor: User, opinion: Opinion) -> None:
    _require(
        opinion.expert is not None and opinion.expert.user_id == actor.pk,
        NOT_YOUR_OPINION,
        "forbidden",
    )
    _require(opinion.state == Opinion.Status.DRAFT, OPINION_LOCKED, "locked")


def _bump(opinion: Opinion, lock_version: int, **values: Any) -> None:
    """Save the draft only if nobody saved it since ``lock_version`` was read."""
    updated = Opinion.objects.filter(
        pk=opinion.pk, lock_version=lock_version, state=Opinion.Status.DRAFT
    ).update(lock_version=F("lock_version") + 1, updated_at=timezone.now(), **values)
    if not updated:
        raise ConsultationError(STALE_OPINION, code="stale")
    opinion.lock_version = lock_version + 1
    for name, value in values.items():
        setattr(opinion, name, value)


@transaction.atomic
def opinion_save_draft(
    *,
    actor: User,
    opinion: Opinion,
    lock_version: int,
    verdict: str = "",
    summary: str = "",
    answers: dict[int, str] | None = None,
) -> Opinion:
    _check_own_draft(actor, opinion)
    require_state("write_opinion", opinion.consultation)
    _bump(opinion, lock_version, verdict=verdict, summary=nfc(summary))
    questions = {q.pk for q in opinion.consultation.questions.all()}
    for question_id, text in (answers or {}).items():
        if question_id in questions:
            Answer.objects.update_or_create(
                opinion=opinion, question_id=question_id, defaults={"text": nfc(text)}
            )
    return opinion


def _check_item_target(opinion: Opinion, document: Document | None) -> None:
    if document is not None:
        _require(
            document.version_id == opinion.consultation.version_id,
            ITEM_DOCUMENT_NOT_IN_VERSION,
            "document",
        )


@transaction.atomic
def opinion_item_add(
    *,
    actor: User,
    opinion: Opinion,
    lock_version: int,
    content: str,
    question: Question | None = None,
    document: Document | None = None,
    section: str = "",
    geometry: dict[str, Any] | None = None,
) -> OpinionItem:
    _check_own_draft(actor, opinion)
    _require(bool(content.strip()), _("Write the remark."), "content")
    _check_item_target(opinion, document)
    _bump(opinion, lock_version)
    last = opinion.items.aggregate(last=Max("order"))["last"] or 0
    return OpinionItem.objects.create(
        opinion=opinion,
        order=last + 1,
        question=question,
        document=document,
        section=section,
        geometry=geometry,
        content=content,
    )


@transaction.atomic
def opinion_item_remove(
    *, actor: User, opinion: Opinion, lock_version: int, item: OpinionItem
) -> None:
    _check_own_draft(actor, opinion)
    _require(item.opinion_id == opinion.pk)
    _bump(opinion, lock_version)
    item.delete()


def _store_attachment(
    actor: User, opinion: Opinion, file: IO[bytes], filename: str, *, scanned: bool
) -> Attachment:
    checked = check_upload(file, allowed=DOCUMENT_KINDS, filename=filename)
    attachment = Attachment(
        opinion=opinion,
        is_scanned_letter=scanned,
        original_filename=nfc(filename)[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(generated_key("opinions", checked.extension), file, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_add(
    *, actor: User, opinion: Opinion, lock_version: int, file: IO[bytes], filename: str
) -> Attachment:
    _check_own_draft(actor, opinion)
    _bump(opinion, lock_version)
    return _store_attachment(actor, opinion, file, filename, scanned=False)


@transaction.atomic
def opinion_submit(*, actor: User, opinion: Opinion, lock_version: int) -> Opinion:
    _check_own_draft(actor, opinion)
    consultation = _lock(opinion.consultation)
    require_state("write_opinion", consultation)
    current = Opinion.objects.get(pk=opinion.pk)
    _require(bool(current.verdict), VERDICT_REQUIRED, "verdict")
    now = timezone.now()
    _bump(opinion, lock_version, state=Opinion.Status.SUBMITTED, submitted_at=now, is_current=True)
    if opinion.previous_id:
        Opinion.objects.filter(pk=opinion.previous_id).update(is_current=False)
        # The amended revision leaves the knowledge base; this one replaces it.
        index_object(Opinion(pk=opinion.previous_id))
    index_object(opinion)
    _record(
        consultation,
        actor,
        "opinion_submitted",
        reason=opinion.author_label,
        target=opinion,
        data={"revision": opinion.revision},
    )
    _notify(
        [*_chair_users(consultation), *_secretariat_users(consultation)],
        consultation,
        "opinion_submitted",
        _("An expert submitted an opinion on: %(title)s"),
    )
    return opinion


@transaction.atomic
def opinion_amend(*, actor: User, opinion: Opinion) -> Opinion:
    """A new draft revision copying the submitted one, which stays as it was."""
    _require(opinion.expert is not None and opinion.expert.user_id == actor.pk, NOT_YOUR_OPINION)
    consultation = _lock(opinion.consultation)
    require_state("write_opinion", consultation)
    _require(opinion.is_submitted and opinion.is_current, OPINION_LOCKED, "locked")
    _require(not hasattr(opinion, "amendment") or opinion.amendment is None, OPINION_LOCKED)
    amendment = Opinion.objects.create(
        consultation=consultation,
        expert=opinion.expert,
        revision=opinion.revision + 1,
        previous=opinion,
        is_current=False,
        verdict=opinion.verdict,
        summary=opinion.summary,
        recorded_by=actor,
    )
    Answer.objects.bulk_create(
        Answer(opinion=amendment, question_id=a.question_id, text=a.text)
        for a in opinion.answers.all()
    )
    OpinionItem.objects.bulk_create(
        OpinionItem(
            opinion=amendment,
            order=i.order,
            question_id=i.question_id,
            document_id=i.document_id,
            section=i.section,
            geometry=i.geometry,
            content=i.content,
            topic=i.topic,
        )
        for i in opinion.items.all()
    )
    _audit(actor, "opinion.amend", amendment, consultation, amends=opinion.pk)
    return amendment


@dataclass(frozen=True)
class OfflineItem:
    content: str
    section: str = ""
    question: Question | None = None


@transaction.atomic
def opinion_record_offline(
    *,
    actor: User,
    consultation: Consultation,
    source: str,
    verdict: str,
    summary: str = "",
    expert: Expert | None = None,
    author_name: str = "",
    items: Sequence[OfflineItem] = (),
    letter: IO[bytes] | None = None,
    letter_filename: str = "",
) -> Opinion:
    """An opinion received on paper or by email, entered by the secretariat, submitted."""
    _lock(consultation)
    check("record_opinion", actor, consultation)
    _require(expert is not None or bool(author_name.strip()), AUTHOR_REQUIRED, "author")
    _require(bool(verdict), VERDICT_REQUIRED, "verdict")
    revision = 1
    if expert is not None:
        earlier = Opinion.objects.filter(consultation=consultation, expert=expert)
        previous = earlier.order_by("-revision").first()
        if previous is not None:
            revision = previous.revision + 1
            for pk in earlier.filter(is_current=True).values_list("pk", flat=True):
                index_object(Opinion(pk=pk))
            earlier.update(is_current=False)
    opinion = Opinion.objects.create(
        consultation=consultation,
        expert=expert,
        author_name=author_name,
        revision=revision,
        state=Opinion.Status.SUBMITTED,
        verdict=verdict,
        summary=summary,
        source=source,
        submitted_at=timezone.now(),
        recorded_by=actor,
    )
    for order, item in enumerate(items, start=1):
        OpinionItem.objects.create(
            opinion=opinion,
            order=order,
            content=item.content,
            section=item.section,
            question=item.question,
        )
    if letter is not None:
        _store_attachment(actor, opinion, letter, letter_filename, scanned=True)
    index_object(opinion)
    _record(
        consultation,
        actor,
        "opinion_recorded",
        reason=opinion.author_label,
        target=opinion,
        data={"source": source},
    )
    return opinion
