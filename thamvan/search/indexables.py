"""The knowledge base's built-in entries: dossiers, their documents, and experts.

Registered from ``SearchConfig.ready()``. Apps that arrive later register their
own models the same way from their ``AppConfig.ready()`` (see ``registry``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from thamvan.search.registry import Indexable, IndexDocument, register

if TYPE_CHECKING:
    from thamvan.accounts.models import User
    from thamvan.dossiers.models import Document, Dossier
    from thamvan.experts.models import Expert


def dossier_document(dossier: Dossier) -> IndexDocument:
    parts = [dossier.description, dossier.scale_display, dossier.lead_agency.name]
    parts += [unit.name for unit in dossier.communes.all()]
    return IndexDocument(
        title=f"{dossier.code} · {dossier.name}",
        body="\n".join(p for p in parts if p),
        dated_at=dossier.updated_at,
        url=dossier.get_absolute_url(),
        kind=dossier.kind,
        year=dossier.created_at.year,
        organization_id=dossier.lead_agency_id,
        commune_ids=tuple(unit.pk for unit in dossier.communes.all()),
        confidentiality=dossier.confidentiality,
    )


def document_document(document: Document) -> IndexDocument:
    from thamvan.search.extract import extract_text

    dossier = document.version.dossier
    try:
        with document.file.open("rb") as file:
            text = extract_text(
                file, content_type=document.content_type, filename=document.original_filename
            )
    except OSError:
        # The stored file is missing; the title is still worth finding.
        text = ""
    return IndexDocument(
        title=document.title,
        body=text,
        dated_at=document.created_at,
        url=dossier.get_absolute_url(),
        kind=document.kind,
        year=document.created_at.year,
        organization_id=dossier.lead_agency_id,
        commune_ids=tuple(unit.pk for unit in dossier.communes.all()),
        confidentiality=dossier.confidentiality,
    )


def expert_document(expert: Expert) -> IndexDocument:
    specialties = [s.name for s in expert.specialties.all()]
    parts = [", ".join(specialties), expert.keywords, expert.biography, expert.publications]
    return IndexDocument(
        title=expert.titled_name,
        body="\n".join(p for p in parts if p),
        dated_at=expert.updated_at,
        url=expert.get_absolute_url(),
        kind=expert.academic_rank,
        organization_id=expert.home_organization_id,
    )


def _visible_dossiers(user: User) -> Any:
    from thamvan.dossiers.models import Dossier

    return Dossier.objects.visible_to(user)


def _visible_documents(user: User) -> Any:
    from thamvan.dossiers.models import Document

    return Document.objects.visible_to(user)


def _visible_experts(user: User) -> Any:
    from thamvan.experts.models import Expert

    return Expert.objects.visible_to(user)


def register_builtin() -> None:
    from thamvan.dossiers.models import Document, Dossier
    from thamvan.experts.models import AcademicRank, Expert

    register(
        Indexable(
            key="dossier",
            label=_("Dossier"),
            model=Dossier,
            document=dossier_document,
            visible=_visible_dossiers,
            queryset=lambda: Dossier.objects.select_related("lead_agency").prefetch_related(
                "communes"
            ),
            kinds=dict(Dossier.Kind.choices),
        )
    )
    register(
        Indexable(
            key="document",
            label=_("Dossier document"),
            model=Document,
            document=document_document,
            visible=_visible_documents,
            queryset=lambda: Document.objects.select_related("version__dossier").prefetch_related(
                "version__dossier__communes"
            ),
            kinds=dict(Document.Kind.choices),
        )
    )
    register(
        Indexable(
            key="expert",
            label=_("Expert"),
            model=Expert,
            document=expert_document,
            visible=_visible_experts,
            queryset=lambda: Expert.objects.prefetch_related("specialties"),
            kinds=dict(AcademicRank.choices),
        )
    )
