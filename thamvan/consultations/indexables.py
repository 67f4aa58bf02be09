"""The knowledge base's consultation entries: opinions, synthesis reports, agency responses.

Registered from ``ConsultationsConfig.ready()``. Only submitted, current opinion
revisions are indexed: a draft never reaches the index, so it cannot leak
through a result, a snippet, a count or a facet; ``visible`` excludes drafts
again. Visibility is decided at query time by the access rules (blind review,
the report's readers, the consultation's and its dossier's readers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from thamvan.search.registry import Indexable, IndexDocument, register

if TYPE_CHECKING:
    from thamvan.accounts.models import User
    from thamvan.consultations.models import Consultation, Opinion, Response
    from thamvan.documents.models import GeneratedDocument


def _dossier_fields(consultation: Consultation) -> dict[str, Any]:
    dossier = consultation.dossier
    return {
        "organization_id": dossier.lead_agency_id,
        "commune_ids": tuple(unit.pk for unit in dossier.communes.all()),
        "confidentiality": dossier.confidentiality,
    }


def opinion_document(opinion: Opinion) -> IndexDocument | None:
    if not opinion.is_submitted or not opinion.is_current:
        return None
    consultation = opinion.consultation
    parts = [opinion.summary]
    parts += [answer.text for answer in opinion.answers.all()]
    parts += [
        " ".join(p for p in (item.section, item.content) if p) for item in opinion.items.all()
    ]
    dated_at = opinion.submitted_at or opinion.updated_at
    return IndexDocument(
        title=f"{opinion.author_label} · {consultation.title}",
        body="\n".join(p for p in parts if p),
        dated_at=dated_at,
        url=opinion.get_absolute_url(),
        kind=opinion.verdict,
        year=dated_at.year,
        **_dossier_fields(consultation),
    )


def report_document(record: GeneratedDocument) -> IndexDocument | None:
    from thamvan.documents.models import GeneratedDocument

    consultation = record.consultation
    if record.kind != GeneratedDocument.Kind.REPORT or not consultation.has_report:
        return None
    number = f"{consultation.report_number} · " if consultation.report_number else ""
    parts = [consultation.introduction, consultation.conclusions, consultation.recommendations]
    dated_at = consultation.reported_at or record.created_at
    return IndexDocument(
        title=f"{number}{consultation.title}",
        body="\n".join(p for p in parts if p),
        dated_at=dated_at,
        url=consultation.get_absolute_url(),
        kind=record.kind,
        year=dated_at.year,
        **_dossier_fields(consultation),
    )


def response_document(response: Response) -> IndexDocument:
    item = response.item
    consultation = item.opinion.consultation
    return IndexDocument(
        title=f"{response.get_result_display()} · {consultation.title}",
        body="\n".join(p for p in (item.content, response.explanation) if p),
        dated_at=response.responded_at,
        url=reverse("consultations:responses", args=[consultation.pk]) + f"#item-{item.pk}",
        kind=response.result,
        year=response.responded_at.year,
        **_dossier_fields(consultation),
    )


def _visible_opinions(user: User) -> Any:
    from thamvan.consultations.models import Opinion

    return Opinion.objects.visible_to(user)


def _visible_reports(user: User) -> Any:
    from thamvan.consultations.access import report_visibility_q
    from thamvan.documents.models import GeneratedDocument

    return GeneratedDocument.objects.filter(
        report_visibility_q(user, prefix="consultation__"),
        kind=GeneratedDocument.Kind.REPORT,
    )


def _visible_responses(user: User) -> Any:
    from thamvan.consultations.models import Response

    return Response.objects.visible_to(user)


def register_consultations() -> None:
    from thamvan.consultations.models import Opinion, Response
    from thamvan.documents.models import GeneratedDocument

    register(
        Indexable(
            key="opinion",
            label=_("Expert opinion"),
            model=Opinion,
            document=opinion_document,
            visible=_visible_opinions,
            queryset=lambda: Opinion.objects.select_related(
                "consultation__dossier", "expert"
            ).prefetch_related("answers", "items", "consultation__dossier__communes"),
            kinds=dict(Opinion.Verdict.choices),
        )
    )
    register(
        Indexable(
            key="report",
            label=_("Synthesis report"),
            model=GeneratedDocument,
            document=report_document,
            visible=_visible_reports,
            queryset=lambda: (
                GeneratedDocument.objects.filter(kind=GeneratedDocument.Kind.REPORT)
                .select_related("consultation__dossier")
                .prefetch_related("consultation__dossier__communes")
            ),
            kinds=dict(GeneratedDocument.Kind.choices),
        )
    )
    register(
        Indexable(
            key="response",
            label=_("Agency response"),
            model=Response,
            document=response_document,
            visible=_visible_responses,
            queryset=lambda: Response.objects.select_related(
                "item__opinion__consultation__dossier"
            ).prefetch_related("item__opinion__consultation__dossier__communes"),
            kinds=dict(Response.Result.choices),
        )
    )
