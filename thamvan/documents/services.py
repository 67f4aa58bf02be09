"""Consultation documents from the database: mapping models onto the generators, storage.

Generation runs in a background task (``thamvan.documents.tasks``); the
request only records a pending ``GeneratedDocument`` and enqueues it on commit.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from thamvan import audit
from thamvan.accounts.models import Membership, User
from thamvan.consultations.models import (
    Consultation,
    Opinion,
    OpinionItem,
    Response,
    State,
    Transition,
)
from thamvan.core.uploads import generated_key
from thamvan.documents.decree30 import DocumentHeader, Issuer, Signer, document_symbol
from thamvan.documents.models import GeneratedDocument
from thamvan.documents.reports import (
    OpinionItem as ReportItem,
)
from thamvan.documents.reports import (
    ReportData,
    opinion_items_xlsx,
    response_table_docx,
    synthesis_report_docx,
)
from thamvan.dossiers.models import Dossier
from thamvan.organizations.models import Organization
from thamvan.search.indexing import index_object
from thamvan.search.normalize import fold

Kind = GeneratedDocument.Kind
ALL_KINDS: tuple[str, ...] = (Kind.REPORT, Kind.RESPONSE_TABLE, Kind.ITEMS)
CONTENT_TYPES = {
    Kind.REPORT: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Kind.RESPONSE_TABLE: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Kind.ITEMS: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILENAMES = {
    Kind.REPORT: "Bao-cao-tong-hop-y-kien-{pk}.docx",
    Kind.RESPONSE_TABLE: "Bang-tiep-thu-giai-trinh-{pk}.docx",
    Kind.ITEMS: "Tong-hop-y-kien-{pk}.xlsx",
}
DEFAULT_PLACE = "Hà Nội"
REPORT_KIND = "BC"
# Used in the number line when the association has no abbreviation on record.
DEFAULT_ABBREVIATION = "HQH"


def report_symbol(consultation: Consultation) -> str:
    """What follows the report's number, e.g. "BC-HQHPTĐTVN" in "Số: 45/BC-HQHPTĐTVN"."""
    return document_symbol(
        REPORT_KIND, consultation.association.abbreviation or DEFAULT_ABBREVIATION
    )


def document_subject(dossier: Dossier) -> str:
    """What the documents say was consulted on: the dossier's kind, in Vietnamese whatever
    the interface language, then its name; the kind is left out when the name already
    starts with it ("Quy hoạch phân khu đô thị N9"), or when it is "other"."""
    name = dossier.name.strip()
    if dossier.kind == Dossier.Kind.OTHER:
        return name
    with translation.override("vi"):
        kind = str(dossier.get_kind_display())
    folded_name, folded_kind = fold(name), fold(kind)
    if folded_name == folded_kind or folded_name.startswith(f"{folded_kind} "):
        return name
    return f"{kind} {name}"


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def report_items(consultation: Consultation) -> list[ReportItem]:
    """Every item of the current submitted opinions, with the agency's answer if any.

    An opinion that agrees without any remark still counts, as one agreed line.
    """
    opinions = (
        Opinion.objects.filter(
            consultation=consultation, state=Opinion.Status.SUBMITTED, is_current=True
        )
        .select_related("expert")
        .order_by("submitted_at", "pk")
    )
    items_by_opinion: dict[int, list[OpinionItem]] = {}
    for item in (
        OpinionItem.objects.filter(opinion__in=opinions)
        .select_related("document", "question", "response")
        .order_by("opinion_id", "order", "pk")
    ):
        items_by_opinion.setdefault(item.opinion_id, []).append(item)
    result: list[ReportItem] = []
    for opinion in opinions:
        author = opinion.author_label
        items = items_by_opinion.get(opinion.pk, [])
        if not items:
            if opinion.verdict == Opinion.Verdict.AGREE:
                result.append(
                    ReportItem(
                        order=len(result) + 1,
                        topic="Ý kiến chung",
                        author=author,
                        content=opinion.summary or "Nhất trí với nội dung hồ sơ.",
                        agreed=True,
                    )
                )
            continue
        for item in items:
            response = getattr(item, "response", None)
            topic = item.topic or (item.question.text[:120] if item.question else "Ý kiến chung")
            result.append(
                ReportItem(
                    order=len(result) + 1,
                    topic=topic,
                    target=item.target_label,
                    author=author,
                    content=item.content,
                    response=response.explanation if response else "",
                    result=response.result if response else None,
                )
            )
    return result


def report_data(consultation: Consultation) -> ReportData:
    association = consultation.association
    parent = association.parent.name if association.parent_id and association.parent else ""
    date = (
        (consultation.reported_at or timezone.now())
        .astimezone(timezone.get_current_timezone())
        .date()
    )
    chair = consultation.invitations.filter(is_chair=True).select_related("expert").first()
    return ReportData(
        header=DocumentHeader(
            issuer=Issuer(
                parent=parent,
                name=association.name,
                abbreviation=association.abbreviation or DEFAULT_ABBREVIATION,
            ),
            number=consultation.report_number,
            kind=REPORT_KIND,
            place=place_of(association),
            date=date,
        ),
        subject=document_subject(consultation.dossier),
        signer=Signer(
            authority="TM. TỔ CHUYÊN GIA",
            position="TỔ TRƯỞNG",
            name=chair.expert.full_name if chair else "",
        ),
        introduction=_paragraphs(consultation.introduction),
        conclusions=_paragraphs(consultation.conclusions),
        recommendations=_paragraphs(consultation.recommendations),
        recipients=[consultation.dossier.lead_agency.name, "Thành viên Tổ chuyên gia"],
        # The association's office drafts the report; "VT" is printed by the builder.
        archive="VP",
        items=report_items(consultation),
        deadline=consultation.deadline,
        extended_from=_first_deadline(consultation),
    )


# Prefixes of administrative unit names that the place line leaves out: Decree 30 dates
# a document "Hà Nội, ngày …", not "Thành phố Hà Nội, ngày …".
_UNIT_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu ")


def place_of(organization: Organization) -> str:
    """The place name of the organisation's seat, from its own administrative unit or the
    nearest one above it; ``DEFAULT_PLACE`` when none has one."""
    current: Organization | None = organization
    while current is not None:
        if current.administrative_unit_id and current.administrative_unit:
            name = current.administrative_unit.name.strip()
            for prefix in _UNIT_PREFIXES:
                rest = name.removeprefix(prefix)
                # "Phường 1" keeps its prefix: "1" alone names no place.
                if rest != name and not rest.isdigit():
                    return rest
            return name
        current = current.parent if current.parent_id else None
    return DEFAULT_PLACE


def closing_officer(consultation: Consultation) -> User | None:
    """Who signs the response table: whoever the closing transition records, else the
    agency officer who answered last (a round still being answered)."""
    closed = (
        Transition.objects.filter(consultation=consultation, to_state=State.CLOSED)
        .exclude(actor=None)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    if closed is not None:
        return closed.actor
    last = (
        Response.objects.filter(item__opinion__consultation=consultation)
        .exclude(responded_by=None)
        .select_related("responded_by")
        .order_by("-responded_at", "-pk")
        .first()
    )
    return last.responded_by if last is not None else None


def response_table_data(consultation: Consultation) -> ReportData:
    """The response table is the agency's document: its header, its number (left blank
    for its clerk), its place and date, signed by its officer who closes the round; it
    refers to the association's report it answers."""
    report = report_data(consultation)
    agency = consultation.dossier.lead_agency
    officer = closing_officer(consultation)
    position = ""
    if officer is not None:
        position = (
            Membership.objects.filter(user=officer, organization=agency, is_active=True)
            .values_list("position", flat=True)
            .first()
            or ""
        )
    moment = consultation.closed_at or timezone.now()
    return dataclasses.replace(
        report,
        header=DocumentHeader(
            issuer=Issuer(
                parent=agency.parent.name if agency.parent_id and agency.parent else "",
                name=agency.name,
                abbreviation=agency.abbreviation,
            ),
            number="",
            place=place_of(agency),
            date=moment.astimezone(timezone.get_current_timezone()).date(),
            kind=REPORT_KIND,
        ),
        signer=Signer(authority="", position=position, name=officer.full_name if officer else ""),
        recipients=[consultation.association.name],
        archive="",
        answers=report.header if consultation.report_number else None,
    )


def _first_deadline(consultation: Consultation) -> datetime.date | None:
    """The deadline set on acceptance, before any extension."""
    first = (
        consultation.transitions.filter(action="deadline_extended").order_by("created_at", "pk")
    ).first()
    change = first.deadline_change if first is not None else None
    return change[0] if change is not None else None


def render(kind: str, consultation: Consultation) -> bytes:
    if kind == Kind.RESPONSE_TABLE:
        return response_table_docx(response_table_data(consultation))
    data = report_data(consultation)
    if kind == Kind.REPORT:
        return synthesis_report_docx(data)
    return opinion_items_xlsx(
        list(data.items), f"Tổng hợp ý kiến về {data.subject}", date=data.header.date
    )


@transaction.atomic
def documents_generate(
    *, actor: User | None, consultation: Consultation, kinds: Sequence[str] = ALL_KINDS
) -> list[GeneratedDocument]:
    """Record pending documents and enqueue their generation once the transaction commits.

    The report enters the knowledge base at once: its entry is the synthesis
    text, which is final when the report is issued.
    """
    from thamvan.documents.tasks import generate_document

    records = [
        GeneratedDocument.objects.create(consultation=consultation, kind=kind, requested_by=actor)
        for kind in kinds
    ]
    for record in records:
        pk = record.pk
        transaction.on_commit(lambda pk=pk: generate_document.enqueue(pk))  # type: ignore[misc]
        if record.kind == Kind.REPORT:
            index_object(record)
        audit.record(
            actor=actor,
            action="document.generate",
            target=record,
            data={"consultation": consultation.pk, "kind": record.kind},
        )
    return records


def document_build(record: GeneratedDocument) -> GeneratedDocument:
    """Generate and store the file of a pending record."""
    consultation = Consultation.objects.select_related(
        "association__parent",
        "association__administrative_unit",
        "dossier__lead_agency__parent",
        "dossier__lead_agency__administrative_unit",
    ).get(pk=record.consultation_id)
    try:
        content = render(record.kind, consultation)
    except Exception as error:
        record.status = GeneratedDocument.Status.FAILED
        record.error = str(error)[:2000]
        record.finished_at = timezone.now()
        record.save(update_fields=["status", "error", "finished_at"])
        return record
    extension = "xlsx" if record.kind == Kind.ITEMS else "docx"
    record.file.save(generated_key("reports", extension), ContentFile(content), save=False)
    record.filename = FILENAMES[record.kind].format(pk=consultation.pk)  # type: ignore[index]
    record.size = len(content)
    record.sha256 = hashlib.sha256(content).hexdigest()
    record.status = GeneratedDocument.Status.READY
    record.finished_at = timezone.now()
    record.save(update_fields=["file", "filename", "size", "sha256", "status", "finished_at"])
    return record


def latest_documents(consultation: Consultation) -> list[GeneratedDocument]:
    """The newest record of each kind, in the order of ``ALL_KINDS``."""
    latest: dict[str, GeneratedDocument] = {}
    for record in GeneratedDocument.objects.filter(consultation=consultation).order_by(
        "-created_at", "-pk"
    ):
        latest.setdefault(record.kind, record)
    return [latest[kind] for kind in ALL_KINDS if kind in latest]
