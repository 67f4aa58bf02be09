"""Consultations over the API: the same access helpers and services as the HTML pages.

A consultation the user may not read answers 404, and so does every object under
it. A rule a service refuses answers 422 with the service's code; a role that may
not act on a consultation it can read answers 403, as the HTML pages do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from config.api_common import (
    MAX_ID,
    Page,
    PageParams,
    conflict_response,
    paginate,
    responses,
)
from thamvan.consultations import access, downloads, lifecycle
from thamvan.consultations.forms import NO_SUCH_EXPERT, ItemForm, OfflineOpinionForm
from thamvan.consultations.lifecycle import NOT_ALLOWED, ConsultationError
from thamvan.consultations.models import (
    Consultation,
    DiscussionMessage,
    Invitation,
    Opinion,
    OpinionItem,
)
from thamvan.consultations.schemas import (
    AlternateIn,
    AlternatesOut,
    AttachmentUploadIn,
    AutoAlternatesIn,
    CandidateParams,
    CandidatesOut,
    ChairIn,
    ConsultationDetailOut,
    ConsultationFilters,
    ConsultationIn,
    ConsultationOut,
    ConsultationPatch,
    DiscussionMessageIn,
    DiscussionMessageOut,
    ExtensionIn,
    InvitationAcceptIn,
    InvitationDeclineIn,
    InvitationIn,
    InvitationOut,
    InvitationRevokeIn,
    OfflineOpinionIn,
    OpinionDetailOut,
    OpinionDraftIn,
    OpinionFullOut,
    OpinionItemIn,
    OpinionOut,
    OpinionSubmitIn,
    ReportIssuedOut,
    ReportIssueIn,
    ReportOut,
    ResponseAnswerIn,
    ResponseIn,
    ResponseItemOut,
    RevisionIn,
    RevisionOut,
    SynthesisIn,
    SynthesisOut,
    TransitionIn,
    TransitionOut,
)
from thamvan.consultations.services import alternates as alternate_services
from thamvan.consultations.services import discussion as discussion_services
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services import requests as request_services
from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.consultations.services._common import NOT_AN_ASSOCIATION
from thamvan.consultations.services.discussion import (
    DISCUSSION_OPENS_ON_SUBMISSION,
    REPLY_ELSEWHERE,
)
from thamvan.consultations.services.opinions import OfflineItem
from thamvan.consultations.services.transitions import transition_take
from thamvan.core import collector
from thamvan.core.limits import api_rate_limit
from thamvan.core.locking import EditConflict
from thamvan.documents.downloads import generated_document_response
from thamvan.documents.models import GeneratedDocument
from thamvan.documents.services import CONTENT_TYPES, latest_documents
from thamvan.dossiers.access import can_change_dossier, get_dossier_for_user
from thamvan.experts.models import Expert, Specialty
from thamvan.matching.candidates import CandidateFilters, select_candidates
from thamvan.matching.history import NO_HISTORY, PanelHistory, panel_histories
from thamvan.matching.services import ExcludedRow, RankedRow, is_reachable, recommend_panel
from thamvan.notifications import outbox
from thamvan.organizations.models import Organization

router = Router(tags=["consultations"])

T = TypeVar("T")


def _call(service: Callable[..., T], **kwargs: Any) -> T:
    """Run a service; a refusal of the role (not of the state or the input) is a 403."""
    try:
        return service(**kwargs)
    except ConsultationError as error:
        if error.code == "forbidden":
            raise PermissionDenied(" ".join(error.messages)) from error
        raise


def _consultation(request: HttpRequest, consultation_id: int) -> Consultation:
    return access.get_consultation_for_user(request.user, consultation_id)  # type: ignore[arg-type]


def _detail(request: HttpRequest, pk: int) -> Consultation:
    # Fetched again through the access helper: services change state and relations.
    consultation = _consultation(request, pk)
    return Consultation.objects.prefetch_related("questions", "required_specialties").get(
        pk=consultation.pk
    )


@router.get("", response=responses(Page[ConsultationOut], not_found=False))
def list_consultations(
    request: HttpRequest, filters: Query[ConsultationFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Consultations the user may read, most recently changed first."""
    consultations = Consultation.objects.visible_to(request.user).search(filters.q)  # type: ignore[arg-type]
    if filters.state is not None:
        consultations = consultations.filter(state=filters.state)
    if filters.organization_id is not None:
        organization = Organization.objects.filter(pk=filters.organization_id).first()
        ids = organization.descendant_ids() if organization is not None else set()
        consultations = consultations.involving(ids)
    consultations = consultations.sent_between(filters.sent_from, filters.sent_until)
    consultations = consultations.select_related("version").order_by("-updated_at", "-pk")
    return paginate(consultations, page)


def _specialties(slugs: list[str]) -> list[Specialty]:
    wanted = {slug.strip() for slug in slugs}
    specialties = list(Specialty.objects.active().filter(slug__in=wanted))
    if len(specialties) != len(wanted):
        raise ValidationError({"required_specialties": [_("Unknown specialty.")]}, code="invalid")
    return specialties


@router.post("", response=responses(ConsultationDetailOut, status=201))
def create_consultation(request: HttpRequest, payload: ConsultationIn) -> Status:
    """Draft a consultation request on a dossier the user's agency leads, as the HTML form."""
    user = request.user
    dossier = get_dossier_for_user(user, payload.dossier_id)  # type: ignore[arg-type]
    if not can_change_dossier(user, dossier):  # type: ignore[arg-type]
        raise PermissionDenied(str(NOT_ALLOWED))
    version = dossier.versions.filter(number=payload.version_number).first()
    if version is None:
        raise ValidationError(
            {"version_number": [_("This dossier has no such version.")]}, code="invalid"
        )
    association = Organization.objects.filter(pk=payload.association_id, is_active=True).first()
    if association is None:
        raise ValidationError(
            {"association_id": [_("No organisation has this id.")]}, code="invalid"
        )
    title = payload.title.strip()
    if not title:
        raise ValidationError({"title": [_("This field is required.")]}, code="required")
    consultation = _call(
        request_services.consultation_create,
        actor=user,
        dossier=dossier,
        version=version,
        association=association,
        title=title,
        questions=list(payload.questions),
        required_specialties=_specialties(payload.required_specialties),
        panel_size=payload.panel_size,
        max_per_organization=payload.max_per_organization,
        needs_senior=payload.needs_senior,
        deadline_days=payload.deadline_days,
        day_kind=payload.day_kind or "",
        blind_review=payload.blind_review,
        letter_number=payload.letter_number.strip(),
        note=payload.note,
    )
    return Status(201, _detail(request, consultation.pk))


@router.get("/{consultation_id}", response=responses(ConsultationDetailOut))
def get_consultation(request: HttpRequest, consultation_id: int) -> Consultation:
    return _detail(request, consultation_id)


@router.get("/{consultation_id}/transitions", response=responses(list[TransitionOut]))
def list_transitions(request: HttpRequest, consultation_id: int) -> list[Any]:
    """The timeline: every state change and panel event, oldest first, without the
    panel names the user may not see."""
    consultation = _consultation(request, consultation_id)
    return access.timeline_visible_to(request.user, consultation)  # type: ignore[arg-type]


@router.post("/{consultation_id}/transitions", response=responses(ConsultationDetailOut))
def transition(request: HttpRequest, consultation_id: int, payload: TransitionIn) -> Consultation:
    """Send, accept, return, withdraw, start the review or the synthesis."""
    consultation = _consultation(request, consultation_id)
    _call(
        transition_take,
        actor=request.user,
        consultation=consultation,
        action=str(payload.action),
        reason=payload.reason,
    )
    return _detail(request, consultation.pk)


# --- Invitations -----------------------------------------------------------------------


def _with_delivery(
    request: HttpRequest, consultation: Consultation, invitations: list[Invitation]
) -> list[Invitation]:
    """For the secretariat, each invitation with ``delivery``: the newest e-mail about it
    (the panel page's column), in one query for them all."""
    if access.is_secretariat(request.user, consultation):  # type: ignore[arg-type]
        deliveries = outbox.latest_for(Invitation, [i.pk for i in invitations])
        for invitation in invitations:
            invitation.delivery = deliveries.get(invitation.pk)  # type: ignore[attr-defined]
    return invitations


@router.get("/{consultation_id}/invitations", response=responses(list[InvitationOut]))
def list_invitations(request: HttpRequest, consultation_id: int) -> list[Invitation]:
    """The panel as the user may see it (``access.invitations_visible_to``)."""
    consultation = _consultation(request, consultation_id)
    invitations = access.invitations_visible_to(request.user, consultation)  # type: ignore[arg-type]
    return _with_delivery(request, consultation, list(invitations.select_related("expert")))


def _invitation(request: HttpRequest, consultation_id: int, invitation_id: int) -> Invitation:
    consultation = _consultation(request, consultation_id)
    return access.get_invitation_for_user(request.user, consultation, invitation_id)  # type: ignore[arg-type]


@router.get("/{consultation_id}/invitations/{invitation_id}", response=responses(InvitationOut))
def get_invitation(request: HttpRequest, consultation_id: int, invitation_id: int) -> Invitation:
    invitation = _invitation(request, consultation_id, invitation_id)
    (invitation,) = _with_delivery(request, invitation.consultation, [invitation])
    return invitation


def _own_invitation(request: HttpRequest, consultation_id: int, invitation_id: int) -> Invitation:
    invitation = _invitation(request, consultation_id, invitation_id)
    if invitation.expert.user_id != request.user.pk:
        raise PermissionDenied(str(NOT_ALLOWED))
    return invitation


@router.post(
    "/{consultation_id}/invitations/{invitation_id}/accept", response=responses(InvitationOut)
)
def accept_invitation(
    request: HttpRequest, consultation_id: int, invitation_id: int, payload: InvitationAcceptIn
) -> Invitation:
    """The invited expert joins the panel, declaring their independence."""
    invitation = _own_invitation(request, consultation_id, invitation_id)
    return _call(
        panel_services.invitation_accept,
        actor=request.user,
        invitation=invitation,
        declared=payload.declared,
        statement=payload.statement,
    )


@router.post(
    "/{consultation_id}/invitations/{invitation_id}/decline", response=responses(InvitationOut)
)
def decline_invitation(
    request: HttpRequest, consultation_id: int, invitation_id: int, payload: InvitationDeclineIn
) -> Invitation:
    invitation = _own_invitation(request, consultation_id, invitation_id)
    return _call(
        panel_services.invitation_decline,
        actor=request.user,
        invitation=invitation,
        reason=payload.reason,
    )


# --- Opinions --------------------------------------------------------------------------


def _opinion_detail(pk: int) -> Opinion:
    return Opinion.objects.select_related("expert").prefetch_related("answers", "items").get(pk=pk)


@router.get("/{consultation_id}/opinions", response=responses(list[OpinionOut]))
def list_opinions(request: HttpRequest, consultation_id: int) -> list[Opinion]:
    """The opinions the blind-review rule lets the user read; nobody sees another's draft."""
    consultation = _consultation(request, consultation_id)
    opinions = access.opinions_visible_to(request.user, consultation)  # type: ignore[arg-type]
    return list(opinions.select_related("expert").order_by("expert_id", "revision", "pk"))


@router.post("/{consultation_id}/opinions", response=responses(OpinionDetailOut))
def start_opinion(request: HttpRequest, consultation_id: int) -> Opinion:
    """The member's own draft, created on first use (as opening the opinion page does)."""
    consultation = _consultation(request, consultation_id)
    if not access.is_member(request.user, consultation):  # type: ignore[arg-type]
        raise PermissionDenied(str(NOT_ALLOWED))
    opinion = _call(opinion_services.opinion_start, actor=request.user, consultation=consultation)
    return _opinion_detail(opinion.pk)


@router.get("/{consultation_id}/opinions/{opinion_id}", response=responses(OpinionDetailOut))
def get_opinion(request: HttpRequest, consultation_id: int, opinion_id: int) -> Opinion:
    consultation = _consultation(request, consultation_id)
    opinion = access.get_opinion_for_user(request.user, consultation, opinion_id)  # type: ignore[arg-type]
    return _opinion_detail(opinion.pk)


def _own_draft(request: HttpRequest, consultation_id: int, opinion_id: int) -> Opinion:
    consultation = _consultation(request, consultation_id)
    return access.get_own_draft_for_update(request.user, consultation, opinion_id)  # type: ignore[arg-type]


@router.patch("/{consultation_id}/opinions/{opinion_id}", response=responses(OpinionDetailOut))
def save_opinion_draft(
    request: HttpRequest, consultation_id: int, opinion_id: int, payload: OpinionDraftIn
) -> Opinion:
    """Save the verdict, remarks and answers of one's own draft.

    A ``lock_version`` older than the draft's (changed elsewhere since) answers 422
    ``stale`` and changes nothing.
    """
    opinion = _own_draft(request, consultation_id, opinion_id)
    _call(
        opinion_services.opinion_save_draft,
        actor=request.user,
        opinion=opinion,
        lock_version=payload.lock_version,
        verdict=payload.verdict or "",
        summary=payload.summary,
        answers=dict(payload.answers),
    )
    return _opinion_detail(opinion.pk)


@router.post(
    "/{consultation_id}/opinions/{opinion_id}/submit", response=responses(OpinionDetailOut)
)
def submit_opinion(
    request: HttpRequest, consultation_id: int, opinion_id: int, payload: OpinionSubmitIn
) -> Opinion:
    opinion = _own_draft(request, consultation_id, opinion_id)
    _call(
        opinion_services.opinion_submit,
        actor=request.user,
        opinion=opinion,
        lock_version=payload.lock_version,
    )
    return _opinion_detail(opinion.pk)


# --- Responses and reports -------------------------------------------------------------


def _items(consultation: Consultation) -> QuerySet[OpinionItem]:
    return (
        outcome_services.items_to_answer(consultation)
        .select_related("opinion__expert", "response")
        .order_by("opinion__submitted_at", "opinion_id", "order", "pk")
    )


def _readable_outcome(request: HttpRequest, consultation_id: int) -> Consultation:
    consultation = _consultation(request, consultation_id)
    if not access.can_read_documents(request.user, consultation):  # type: ignore[arg-type]
        raise PermissionDenied(str(NOT_ALLOWED))
    return consultation


@router.get("/{consultation_id}/responses", response=responses(list[ResponseItemOut]))
def list_responses(request: HttpRequest, consultation_id: int) -> list[OpinionItem]:
    """Every remark of the report with the agency's response (once the report is issued)."""
    consultation = _readable_outcome(request, consultation_id)
    return list(_items(consultation))


def _answer(
    request: HttpRequest, consultation_id: int, item_id: int, payload: ResponseAnswerIn
) -> OpinionItem:
    """Answer one remark through ``response_record``: 403 for a role that never answers,
    404 for a remark outside the report, then the service's own checks."""
    consultation = _readable_outcome(request, consultation_id)
    if not lifecycle.may("answer", request.user, consultation):  # type: ignore[arg-type]
        raise PermissionDenied(str(NOT_ALLOWED))
    item = _items(consultation).filter(pk=item_id).first()
    if item is None:
        raise Http404
    _call(
        outcome_services.response_record,
        actor=request.user,
        item=item,
        result=payload.result,
        explanation=payload.explanation,
        lock_version=payload.lock_version,
    )
    return _items(consultation).get(pk=item.pk)


@router.post("/{consultation_id}/responses", response=responses(ResponseItemOut))
def answer_item(request: HttpRequest, consultation_id: int, payload: ResponseIn) -> OpinionItem:
    """The lead agency accepts or explains one remark; ``POST …/close`` ends the round."""
    return _answer(request, consultation_id, payload.item_id, payload)


@router.get("/{consultation_id}/reports", response=responses(list[ReportOut]))
def list_reports(request: HttpRequest, consultation_id: int) -> list[GeneratedDocument]:
    """The newest generated document of each kind; empty until the user may read them."""
    consultation = _consultation(request, consultation_id)
    if not access.can_read_documents(request.user, consultation):  # type: ignore[arg-type]
        return []
    return latest_documents(consultation)


@router.get(
    "/{consultation_id}/reports/{report_id}/download",
    response={200: None, **responses(None)},
    url_name="download_report",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The DOCX or XLSX file.",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in sorted(set(CONTENT_TYPES.values()))
                },
            }
        }
    },
)
@api_rate_limit("download")
def download_report(request: HttpRequest, consultation_id: int, report_id: int) -> FileResponse:
    consultation = _consultation(request, consultation_id)
    return generated_document_response(request, request.user, consultation, report_id)


# --- Chair, synthesis, report, opinion details, rounds ------------------------------------
# What the pages do on a consultation that the endpoints above did not: each calls the
# page's service, so the lifecycle table decides for both.


def _may(name: str, request: HttpRequest, consultation: Consultation) -> None:
    """403 for a role that never takes the action on this consultation, before any lookup
    of the objects under it (which could answer 404 to a reader who may not see them)."""
    if not lifecycle.may(name, request.user, consultation):  # type: ignore[arg-type]
        raise PermissionDenied(str(NOT_ALLOWED))


@router.post("/{consultation_id}/chair", response=responses(InvitationOut))
def designate_chair(request: HttpRequest, consultation_id: int, payload: ChairIn) -> Invitation:
    """The secretariat designates a member who accepted as the panel's chair
    (`panel_set_chair`); the previous chair, if any, steps down."""
    consultation = _consultation(request, consultation_id)
    _may("set_chair", request, consultation)
    invitation = access.get_invitation_for_user(
        request.user,  # type: ignore[arg-type]
        consultation,
        payload.invitation_id,
    )
    return _call(
        panel_services.panel_set_chair,
        actor=request.user,
        consultation=consultation,
        invitation=invitation,
    )


def _synthesis_out(request: HttpRequest, consultation: Consultation) -> dict[str, Any]:
    return {
        "lock_version": consultation.synthesis_lock_version,
        "introduction": consultation.introduction,
        "conclusions": consultation.conclusions,
        "recommendations": consultation.recommendations,
        "editable": lifecycle.can("synthesize", request.user, consultation),  # type: ignore[arg-type]
        "items": list(_items(consultation)),
    }


@router.get("/{consultation_id}/synthesis", response=responses(SynthesisOut))
def get_synthesis(request: HttpRequest, consultation_id: int) -> dict[str, Any]:
    """The synthesis draft and the remarks it groups, for the secretariat and the chair."""
    consultation = _consultation(request, consultation_id)
    _may("synthesize", request, consultation)
    return _synthesis_out(request, consultation)


@router.put("/{consultation_id}/synthesis", response=responses(SynthesisOut, conflict=True))
def save_synthesis(
    request: HttpRequest, consultation_id: int, payload: SynthesisIn
) -> dict[str, Any] | Status:
    """Save the introduction, conclusions, recommendations and the topics of remarks
    (`synthesis_save`). A `lock_version` older than the stored one (saved meanwhile)
    answers 409 `edit_conflict` and saves nothing."""
    consultation = _consultation(request, consultation_id)
    _may("synthesize", request, consultation)
    try:
        _call(
            synthesis_services.synthesis_save,
            actor=request.user,
            consultation=consultation,
            lock_version=payload.lock_version,
            introduction=payload.introduction,
            conclusions=payload.conclusions,
            recommendations=payload.recommendations,
            topics={topic.item_id: topic.topic for topic in payload.topics},
        )
    except ConsultationError as error:
        if error.code != "stale":
            raise
        return Status(409, {"detail": " ".join(error.messages), "code": "edit_conflict"})
    return _synthesis_out(request, consultation)


@router.post("/{consultation_id}/report", response=responses(ReportIssuedOut, status=201))
def issue_report(request: HttpRequest, consultation_id: int, payload: ReportIssueIn) -> Status:
    """Issue the report (`consultation_issue_report`): the documents are generated by a
    background task; each is `pending` until its `download_url` is set."""
    consultation = _consultation(request, consultation_id)
    _may("issue_report", request, consultation)
    _call(
        synthesis_services.consultation_issue_report,
        actor=request.user,
        consultation=consultation,
        report_number=payload.report_number,
    )
    return Status(
        201,
        {
            "state": consultation.state,
            "report_number": consultation.report_number,
            "reported_at": consultation.reported_at,
            "documents": latest_documents(consultation),
        },
    )


@router.post("/{consultation_id}/revision", response=responses(RevisionOut))
def link_revision(request: HttpRequest, consultation_id: int, payload: RevisionIn) -> Any:
    """The lead agency links the dossier version revised after the opinions."""
    consultation = _consultation(request, consultation_id)
    _may("link_revision", request, consultation)
    version = consultation.dossier.versions.filter(number=payload.version_number).first()
    if version is None:
        raise ValidationError(
            {"version_number": [_("This dossier has no such version.")]}, code="invalid"
        )
    _call(
        outcome_services.consultation_link_revision,
        actor=request.user,
        consultation=consultation,
        version=version,
    )
    return {"revised_version_number": version.number}


@router.post("/{consultation_id}/new-round", response=responses(ConsultationDetailOut, status=201))
def new_round(request: HttpRequest, consultation_id: int) -> Status:
    """Draft the next round on the dossier's newest version, as the page's button does."""
    consultation = _consultation(request, consultation_id)
    _may("new_round", request, consultation)
    version = consultation.dossier.versions.order_by("-number").first()
    if version is None:
        raise Http404
    newer = _call(
        request_services.consultation_new_round,
        actor=request.user,
        previous=consultation,
        version=version,
    )
    return Status(201, _detail(request, newer.pk))


def _opinion_full(pk: int) -> Opinion:
    return (
        Opinion.objects.select_related("expert")
        .prefetch_related("answers", "items", "attachments")
        .get(pk=pk)
    )


def _form_error(form: forms.Form) -> ValidationError:
    """A form's errors as the API's `{field: [messages]}` 422."""
    return ValidationError(
        {field: [str(message) for message in errors] for field, errors in form.errors.items()},
        code="invalid",
    )


@router.post(
    "/{consultation_id}/opinions/{opinion_id}/items",
    response=responses(OpinionFullOut, status=201),
)
def add_opinion_item(
    request: HttpRequest, consultation_id: int, opinion_id: int, payload: OpinionItemIn
) -> Status:
    """Add a remark to one's own draft, tied to a question, a document section or a place
    on the map (`opinion_item_add`), checked as the page's form checks it."""
    opinion = _own_draft(request, consultation_id, opinion_id)
    form = ItemForm(
        {
            "content": payload.content,
            "question": payload.question_id or "",
            "document": payload.document_id or "",
            "section": payload.section,
            "geometry": json.dumps(payload.geometry) if payload.geometry else "",
        },
        consultation=opinion.consultation,
    )
    if not form.is_valid():
        raise _form_error(form)
    _call(
        opinion_services.opinion_item_add,
        actor=request.user,
        opinion=opinion,
        lock_version=payload.lock_version,
        **form.cleaned_data,
    )
    return Status(201, _opinion_full(opinion.pk))


@router.delete(
    "/{consultation_id}/opinions/{opinion_id}/items/{item_id}",
    response=responses(OpinionFullOut),
)
def remove_opinion_item(
    request: HttpRequest,
    consultation_id: int,
    opinion_id: int,
    item_id: int,
    lock_version: int = Query(..., ge=0, le=MAX_ID, description="The draft's `lock_version`."),
) -> Opinion:
    opinion = _own_draft(request, consultation_id, opinion_id)
    item = opinion.items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    _call(
        opinion_services.opinion_item_remove,
        actor=request.user,
        opinion=opinion,
        lock_version=lock_version,
        item=item,
    )
    return _opinion_full(opinion.pk)


@router.post(
    "/{consultation_id}/opinions/{opinion_id}/attachments",
    response=responses(OpinionFullOut, status=201),
)
def attach_to_opinion(
    request: HttpRequest,
    consultation_id: int,
    opinion_id: int,
    file: File[UploadedFile],
    data: Form[AttachmentUploadIn],
) -> Status:
    """Attach a file to one's own draft; its content is checked before it is stored."""
    opinion = _own_draft(request, consultation_id, opinion_id)
    _call(
        opinion_services.attachment_add,
        actor=request.user,
        opinion=opinion,
        lock_version=data.lock_version,
        file=file,
        filename=file.name or "",
    )
    return Status(201, _opinion_full(opinion.pk))


@router.get(
    "/{consultation_id}/opinions/{opinion_id}/attachments/{attachment_id}/download",
    response={200: None, **responses(None)},
    url_name="download_attachment",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, with its original name.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
@api_rate_limit("download")
def download_attachment(
    request: HttpRequest, consultation_id: int, opinion_id: int, attachment_id: int
) -> FileResponse:
    """An attachment of an opinion the user may read (blind review applies); audited."""
    consultation = _consultation(request, consultation_id)
    opinion = access.get_opinion_for_user(request.user, consultation, opinion_id)  # type: ignore[arg-type]
    return downloads.attachment_download(request, consultation, opinion, attachment_id)


@router.post(
    "/{consultation_id}/opinions/{opinion_id}/amend",
    response=responses(OpinionFullOut, status=201),
)
def amend_opinion(request: HttpRequest, consultation_id: int, opinion_id: int) -> Status:
    """A new draft revision of one's own submitted opinion, which stays as it was."""
    consultation = _consultation(request, consultation_id)
    opinion = access.get_opinion_for_user(request.user, consultation, opinion_id)  # type: ignore[arg-type]
    amendment = _call(opinion_services.opinion_amend, actor=request.user, opinion=opinion)
    return Status(201, _opinion_full(amendment.pk))


# Optional: ninja reads an optional file only from a ``File(None)`` default.
_LETTER = File(None, description="The scanned letter, if any.")


@router.post("/{consultation_id}/offline-opinions", response=responses(OpinionFullOut, status=201))
def record_offline_opinion(
    request: HttpRequest,
    consultation_id: int,
    data: Form[OfflineOpinionIn],
    letter: UploadedFile | None = _LETTER,
) -> Status:
    """The secretariat records an opinion received on paper or by email, submitted at
    once, with the scanned letter if any (`opinion_record_offline`)."""
    consultation = _consultation(request, consultation_id)
    _may("record_opinion", request, consultation)
    members = consultation.invitations.filter(state=Invitation.Status.ACCEPTED)
    form = OfflineOpinionForm(
        {
            "source": str(data.source),
            "verdict": str(data.verdict),
            "summary": data.summary,
            "expert": data.expert_id or "",
            "author_name": data.author_name,
            "items_text": data.items_text,
        },
        {"letter": letter} if letter is not None else {},
        experts=Expert.objects.filter(pk__in=members.values("expert_id")),
    )
    if not form.is_valid():
        raise _form_error(form)
    cleaned = form.cleaned_data
    opinion = _call(
        opinion_services.opinion_record_offline,
        actor=request.user,
        consultation=consultation,
        source=cleaned["source"],
        verdict=cleaned["verdict"],
        summary=cleaned["summary"],
        expert=cleaned["expert"],
        author_name=cleaned["author_name"],
        items=[
            OfflineItem(content=line.strip())
            for line in cleaned["items_text"].splitlines()
            if line.strip()
        ],
        letter=letter,
        letter_filename=letter.name or "" if letter is not None else "",
    )
    return Status(201, _opinion_full(opinion.pk))


# Fields a PATCH may set to null: each has an "empty" meaning.
_NULLABLE = {"max_per_organization", "deadline_days", "day_kind"}


@router.patch("/{consultation_id}", response=responses(ConsultationDetailOut, conflict=True))
def update_consultation(
    request: HttpRequest, consultation_id: int, payload: ConsultationPatch
) -> Consultation | Status:
    """Change a draft request (`consultation_update`), as its edit page does."""
    consultation = _consultation(request, consultation_id)
    _may("edit", request, consultation)
    changes = payload.dict(exclude_unset=True)
    lock_version = changes.pop("lock_version", None)
    for name, value in changes.items():
        if value is None and name not in _NULLABLE:
            raise ValidationError({name: [_("This field cannot be null.")]}, code="invalid")
    if "title" in changes:
        changes["title"] = changes["title"].strip()
        if not changes["title"]:
            raise ValidationError({"title": [_("This field is required.")]}, code="invalid")
    if "version_number" in changes:
        version = consultation.dossier.versions.filter(number=changes.pop("version_number")).first()
        if version is None:
            raise ValidationError(
                {"version_number": [_("This dossier has no such version.")]}, code="invalid"
            )
        changes["version"] = version
    if "association_id" in changes:
        association = Organization.objects.filter(
            pk=changes.pop("association_id"),
            is_active=True,
            kind__in=(Organization.Kind.ASSOCIATION, Organization.Kind.ASSOCIATION_BRANCH),
        ).first()
        if association is None:
            raise ValidationError({"association_id": [NOT_AN_ASSOCIATION]}, code="invalid")
        changes["association"] = association
    if "day_kind" in changes:
        changes["day_kind"] = str(changes["day_kind"] or "")
    if "required_specialties" in changes:
        changes["required_specialties"] = _specialties(changes["required_specialties"])
    try:
        _call(
            request_services.consultation_update,
            actor=request.user,
            consultation=consultation,
            lock_version=lock_version,
            **changes,
        )
    except EditConflict as conflict:
        return conflict_response(conflict)
    return _detail(request, consultation.pk)


# --- Panel discussion ------------------------------------------------------------------


def _discussion(request: HttpRequest, consultation_id: int) -> Consultation:
    """The consultation, if the user may read its discussion (``discussion_visible_to``):
    404 when the consultation is not theirs to see, 403 when only the discussion is not."""
    consultation = _consultation(request, consultation_id)
    user = request.user
    if not access.discussion_visible_to(user, consultation):  # type: ignore[arg-type]
        opens = access.discussion_opens_on_submission(user, consultation)  # type: ignore[arg-type]
        raise PermissionDenied(str(DISCUSSION_OPENS_ON_SUBMISSION if opens else NOT_ALLOWED))
    return consultation


@router.get("/{consultation_id}/discussion", response=responses(Page[DiscussionMessageOut]))
def list_discussion(
    request: HttpRequest, consultation_id: int, page: Query[PageParams]
) -> dict[str, Any]:
    """The panel's discussion, oldest first: for the chair, the secretariat and the
    members who have submitted their opinion."""
    consultation = _discussion(request, consultation_id)
    messages = consultation.discussion_messages.select_related("author").order_by(
        "created_at", "pk"
    )
    return paginate(messages, page)


@router.post("/{consultation_id}/discussion", response=responses(DiscussionMessageOut, status=201))
def post_discussion(
    request: HttpRequest, consultation_id: int, payload: DiscussionMessageIn
) -> Status:
    """Post a message during review or synthesis; the chair may mark it as the panel's
    conclusion."""
    consultation = _discussion(request, consultation_id)
    reply_to = None
    if payload.reply_to_id is not None:
        reply_to = consultation.discussion_messages.filter(pk=payload.reply_to_id).first()
        if reply_to is None:
            raise ValidationError({"reply_to_id": [str(REPLY_ELSEWHERE)]}, code="reply_to")
    message = _call(
        discussion_services.discussion_post,
        actor=request.user,
        consultation=consultation,
        body=payload.body,
        is_conclusion=payload.is_conclusion,
        reply_to=reply_to,
    )
    return Status(201, DiscussionMessage.objects.select_related("author").get(pk=message.pk))


# --- Panel formation: candidates, invitations sent, resent and revoked ------------------


def _history(history: PanelHistory) -> dict[str, Any]:
    last = history.last_panel
    return {
        "panels_served": history.served,
        "opinions_submitted": history.submitted,
        "on_time": history.on_time,
        "on_time_share": history.on_time_share,
        "median_days_to_submit": history.median_days,
        "declined": history.declined,
        "expired": history.expired,
        "last_panel": None
        if last is None
        else {
            "consultation_id": last.consultation_id if last.visible else None,
            "title": last.title if last.visible else None,
            "joined": last.joined,
        },
    }


def _candidate(row: RankedRow | ExcludedRow, history: PanelHistory) -> dict[str, Any]:
    expert = row.expert
    common = {
        "expert_id": expert.pk,
        "expert_name": expert.titled_name,
        "open_panels": row.open_panels,
        "has_email": is_reachable(expert),
        "history": _history(history),
        "warnings": [w.to_dict() for w in row.warnings],
    }
    if isinstance(row, RankedRow):
        return common | {
            "rank": row.rank,
            "score": row.score,
            "suggested": row.suggested,
            "selectable": True,
            "reason": row.reason,
        }
    return common | {
        "selectable": row.selectable,
        "conflicts": row.conflicts,
        "excluded_because": row.reasons,
    }


def _candidate_filters(params: CandidateParams) -> CandidateFilters:
    """The page's filters (``CandidateFilterForm``) from the API's parameters."""
    experts = None
    if params.q or params.specialty or params.organization or params.rank or params.degree:
        registry = Expert.objects.search(params.q)
        if params.specialty:
            registry = registry.filter(specialties__slug=params.specialty)
        if params.organization:
            registry = registry.currently_at(params.organization)
        if params.rank:
            registry = registry.filter(academic_rank=params.rank)
        if params.degree:
            registry = registry.filter(degree=params.degree)
        experts = frozenset(registry.values_list("pk", flat=True))
    return CandidateFilters(
        experts=experts,
        max_open_panels=params.max_open_panels,
        has_email=params.has_email,
        sort=params.sort,
    )


def _inviting(request: HttpRequest, consultation_id: int, action: str) -> Consultation:
    """The consultation, if the user may take the panel action on it now; otherwise 404
    (not visible), 403 (not theirs) or 422 (not in this state), as the pages answer."""
    consultation = _consultation(request, consultation_id)
    if not lifecycle.may(action, request.user, consultation):  # type: ignore[arg-type]
        raise PermissionDenied(str(NOT_ALLOWED))
    lifecycle.require_state(action, consultation)
    return consultation


@router.get("/{consultation_id}/candidates", response=responses(CandidatesOut))
@api_rate_limit("recommendation")
def list_candidates(
    request: HttpRequest, consultation_id: int, params: Query[CandidateParams]
) -> dict[str, Any]:
    """The panel recommendation, as the panel page shows it: the ranked experts with
    their reasons and soft-rule warnings, then the excluded ones (a conflict of interest
    makes an expert not selectable), filtered and sorted as on the page, each with their
    history on earlier panels."""
    consultation = _inviting(request, consultation_id, "invite")
    with collector.paused():
        return _candidates_out(request, consultation, params)


def _candidates_out(
    request: HttpRequest, consultation: Consultation, params: CandidateParams
) -> dict[str, Any]:
    """The candidates as plain data: the ranking of the registry is freed on return."""
    recommendation = recommend_panel(consultation, limit=None)
    ranked, excluded = select_candidates(recommendation, _candidate_filters(params), consultation)
    shown: list[RankedRow | ExcludedRow] = [*ranked[: params.limit], *excluded[: params.limit]]
    histories = panel_histories(
        [row.expert.pk for row in shown],
        viewer=request.user,  # type: ignore[arg-type]
        exclude=consultation,
    )
    return {
        "seats": recommendation.seats,
        "warnings": recommendation.warnings,
        "ranked": [
            _candidate(row, histories.get(row.expert.pk, NO_HISTORY))
            for row in ranked[: params.limit]
        ],
        "excluded": [
            _candidate(row, histories.get(row.expert.pk, NO_HISTORY))
            for row in excluded[: params.limit]
        ],
        "ranked_count": len(ranked),
        "excluded_count": len(excluded),
    }


@router.post("/{consultation_id}/invitations", response=responses(InvitationOut, status=201))
@api_rate_limit("recommendation")
def send_invitation(request: HttpRequest, consultation_id: int, payload: InvitationIn) -> Status:
    """Invite one expert. An expert without an account gets a personal link by e-mail:
    ``reach`` says how the invitation goes and ``delivery`` how the e-mail fared so far.
    A conflict of interest answers 422 ``conflict`` naming it; a soft rule without
    ``override_reason`` answers 422 ``override_reason`` naming the rule."""
    consultation = _inviting(request, consultation_id, "invite")
    expert = Expert.objects.active().select_related("user").filter(pk=payload.expert_id).first()
    if expert is None:
        raise ValidationError({"expert_id": [_("No active expert has this id.")]}, code="invalid")
    with collector.paused():
        picks = panel_services.picks_from(
            recommend_panel(consultation), [expert], {expert.pk: payload.override_reason}
        )
    invitations = _call(
        panel_services.invitations_send,
        actor=request.user,
        consultation=consultation,
        picks=picks,
    )
    (invitation,) = _with_delivery(request, consultation, invitations)
    return Status(201, invitation)


def _secretariat_invitation(
    request: HttpRequest, consultation_id: int, invitation_id: int, action: str
) -> Invitation:
    consultation = _inviting(request, consultation_id, action)
    return access.get_invitation_for_user(request.user, consultation, invitation_id)  # type: ignore[arg-type]


@router.post(
    "/{consultation_id}/invitations/{invitation_id}/resend", response=responses(InvitationOut)
)
def resend_invitation(request: HttpRequest, consultation_id: int, invitation_id: int) -> Invitation:
    """Notify an expert who has not answered again; the answer date does not move."""
    invitation = _secretariat_invitation(
        request, consultation_id, invitation_id, "resend_invitation"
    )
    _call(panel_services.invitation_resend, actor=request.user, invitation=invitation)
    (invitation,) = _with_delivery(request, invitation.consultation, [invitation])
    return invitation


@router.post(
    "/{consultation_id}/invitations/{invitation_id}/revoke", response=responses(InvitationOut)
)
def revoke_invitation(
    request: HttpRequest, consultation_id: int, invitation_id: int, payload: InvitationRevokeIn
) -> Invitation:
    """Take back a pending or accepted invitation (not once the expert has submitted an
    opinion); the seat opens again and the expert is told."""
    invitation = _secretariat_invitation(
        request, consultation_id, invitation_id, "revoke_invitation"
    )
    return _call(
        panel_services.invitation_revoke,
        actor=request.user,
        invitation=invitation,
        reason=payload.reason,
    )


# --- Alternates for declined and expired invitations -------------------------------------


def _alternates_out(consultation: Consultation) -> dict[str, Any]:
    return {
        "seats": alternate_services.open_seats(consultation),
        "auto_invite_alternates": consultation.auto_invite_alternates,
        "proposals": [
            {
                "invitation_id": vacancy.invitation.pk,
                "vacated_by": vacancy.invitation.expert.titled_name,
                "state": vacancy.invitation.state,
                **(
                    {
                        "expert_id": vacancy.proposal.expert.pk,
                        "expert_name": vacancy.proposal.expert.titled_name,
                        "reason": vacancy.proposal.reason,
                        "warnings": [w.to_dict() for w in vacancy.proposal.warnings],
                    }
                    if vacancy.proposal
                    else {}
                ),
            }
            for vacancy in alternate_services.vacancies(consultation)
        ],
    }


@router.get("/{consultation_id}/alternate", response=responses(AlternatesOut))
@api_rate_limit("recommendation")
def get_alternates(request: HttpRequest, consultation_id: int) -> dict[str, Any]:
    """The alternate proposed for each declined or expired invitation whose seat is open,
    as the panel page shows it, and whether alternates are invited automatically."""
    consultation = _inviting(request, consultation_id, "invite")
    return _alternates_out(consultation)


@router.post("/{consultation_id}/alternate", response=responses(InvitationOut, status=201))
@api_rate_limit("recommendation")
def invite_alternate(request: HttpRequest, consultation_id: int, payload: AlternateIn) -> Status:
    """Invite the alternate for a declined or expired invitation (`alternate_invite`):
    `expert_id` as read from the proposal, or the proposal now. Every panel rule is
    checked again: 422 `conflict`, `override_reason`, `replaced`, `panel_full`, …"""
    consultation = _inviting(request, consultation_id, "invite")
    invitation = access.get_invitation_for_user(
        request.user,  # type: ignore[arg-type]
        consultation,
        payload.invitation_id,
    )
    expert = None
    if payload.expert_id is not None:
        expert = Expert.objects.active().select_related("user").filter(pk=payload.expert_id).first()
        if expert is None:
            raise ValidationError({"expert_id": [str(NO_SUCH_EXPERT)]}, code="invalid")
    alternate = _call(
        alternate_services.alternate_invite,
        actor=request.user,
        consultation=consultation,
        invitation=invitation,
        expert=expert,
        reason=payload.override_reason,
    )
    return Status(201, alternate)


@router.put("/{consultation_id}/alternate/auto", response=responses(ConsultationDetailOut))
def set_auto_alternates(
    request: HttpRequest, consultation_id: int, payload: AutoAlternatesIn
) -> Consultation:
    """Turn the automatic invitation of alternates on or off, for the declines and
    expiries to come."""
    consultation = _inviting(request, consultation_id, "invite")
    _call(
        alternate_services.consultation_set_auto_alternates,
        actor=request.user,
        consultation=consultation,
        enabled=payload.enabled,
    )
    return _detail(request, consultation.pk)


# --- Deadline extension, answers by item, explicit closing -----------------------------


@router.post("/{consultation_id}/extend", response=responses(ConsultationDetailOut))
def extend_deadline(
    request: HttpRequest, consultation_id: int, payload: ExtensionIn
) -> Consultation:
    """Move the answer deadline later, with a reason (secretariat, or the lead agency)."""
    consultation = _consultation(request, consultation_id)
    _call(
        request_services.consultation_extend_deadline,
        actor=request.user,
        consultation=consultation,
        deadline=payload.deadline,
        reason=payload.reason,
    )
    return _detail(request, consultation.pk)


@router.put("/{consultation_id}/responses/{item_id}", response=responses(ResponseItemOut))
def put_response(
    request: HttpRequest, consultation_id: int, item_id: int, payload: ResponseAnswerIn
) -> OpinionItem:
    """Answer one remark, or change its answer until the round is closed."""
    return _answer(request, consultation_id, item_id, payload)


@router.post("/{consultation_id}/close", response=responses(ConsultationDetailOut))
def close_consultation(request: HttpRequest, consultation_id: int) -> Consultation:
    """The lead agency confirms its answers and closes the round; every remark must
    have an answer (422 `unanswered` names how many remain)."""
    consultation = _consultation(request, consultation_id)
    _call(outcome_services.consultation_close, actor=request.user, consultation=consultation)
    return _detail(request, consultation.pk)
