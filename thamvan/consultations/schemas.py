from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from config.api_common import MAX_ID, Text
from thamvan.consultations.lifecycle import BUTTONS, available_actions, possible_actions
from thamvan.consultations.models import (
    DISCUSSION_MESSAGE_MAX_LENGTH,
    Attachment,
    Consultation,
    DayKind,
    DiscussionMessage,
    Invitation,
    Opinion,
    OpinionItem,
    Response,
    State,
    Transition,
)
from thamvan.core.forms import FIRST_DAY, LAST_DAY
from thamvan.documents.models import GeneratedDocument
from thamvan.experts.models import MAX_CONCURRENT_CONSULTATIONS, AcademicRank, Degree
from thamvan.matching.candidates import CandidateSort
from thamvan.notifications.models import OutgoingEmail

# Ids and days outside what the database columns hold answer 422, not 500.

# Named apart: several models call their choices "State", "Status" or "Kind", and
# OpenAPI components are keyed by name.
ConsultationState = StrEnum("ConsultationState", [(v, v) for v in State.values])  # type: ignore[misc]
ConsultationDayKind = StrEnum("ConsultationDayKind", [(v, v) for v in DayKind.values])  # type: ignore[misc]
InvitationStatus = StrEnum("InvitationStatus", [(v, v) for v in Invitation.Status.values])  # type: ignore[misc]
OpinionStatus = StrEnum("OpinionStatus", [(v, v) for v in Opinion.Status.values])  # type: ignore[misc]
OpinionVerdict = StrEnum("OpinionVerdict", [(v, v) for v in Opinion.Verdict.values])  # type: ignore[misc]
OpinionSource = StrEnum("OpinionSource", [(v, v) for v in Opinion.Source.values])  # type: ignore[misc]
ResponseResult = StrEnum("ResponseResult", [(v, v) for v in Response.Result.values])  # type: ignore[misc]
ReportKind = StrEnum("ReportKind", [(v, v) for v in GeneratedDocument.Kind.values])  # type: ignore[misc]
ReportStatus = StrEnum("ReportStatus", [(v, v) for v in GeneratedDocument.Status.values])  # type: ignore[misc]
EmailStatus = StrEnum("EmailStatus", [(v, v) for v in OutgoingEmail.Status.values])  # type: ignore[misc]


class InvitationReach(StrEnum):
    """How an invitation reaches its expert (``panel.invitation_deliver``)."""

    ACCOUNT = "account"
    EMAIL_LINK = "email_link"
    UNREACHABLE = "unreachable"


# The lifecycle's buttons (``lifecycle.BUTTONS``): a new one appears here by itself.
TransitionAction = StrEnum(  # type: ignore[misc]
    "TransitionAction", [(action.name, action.name) for action in BUTTONS]
)


class ConsultationFilters(Schema):
    q: Text = Field("", max_length=200, description="Words of the title or letter number.")
    state: ConsultationState | None = None
    organization_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Consultations on dossiers this organisation (or one below it) leads, "
        "or sent to it.",
    )
    sent_from: date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="Sent on or after this day."
    )
    sent_until: date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="Sent on or before this day."
    )


class ConsultationOut(Schema):
    id: int
    title: str
    letter_number: str
    state: ConsultationState
    round_number: int
    previous_id: int | None
    dossier_id: int
    version_number: int
    association_id: int
    panel_size: int
    max_per_organization: int | None
    needs_senior: bool
    deadline_days: int | None
    day_kind: str
    blind_review: bool
    auto_invite_alternates: bool = Field(
        False,
        description="A decline or an expiry invites the proposed alternate at once, unless "
        "a panel rule would need a reason.",
    )
    deadline: date | None
    overdue: bool
    sent_at: datetime | None
    accepted_at: datetime | None
    reported_at: datetime | None
    report_number: str
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_version_number(obj: Consultation) -> int:
        return obj.version.number


class QuestionOut(Schema):
    id: int
    order: int
    text: str


class BlockedActionOut(Schema):
    action: TransitionAction
    unmet: list[str] = Field(..., description="What must hold first, in the user's language.")


class ConsultationDetailOut(ConsultationOut):
    note: str
    lock_version: int = Field(..., description="Send it back with the next change of a draft.")
    questions: list[QuestionOut]
    required_specialties: list[str] = Field(..., description="Specialty slugs.")
    actions: list[TransitionAction] = Field(
        ...,
        description="The transitions this user can take now (the service checks again).",
    )

    @staticmethod
    def resolve_questions(obj: Consultation) -> list[Any]:
        return list(obj.questions.all())

    @staticmethod
    def resolve_required_specialties(obj: Consultation) -> list[str]:
        return [specialty.slug for specialty in obj.required_specialties.all()]

    blocked_actions: list[BlockedActionOut] = Field(
        ...,
        description="The transitions of this user in this state that wait for something "
        "first, with what (e.g. a chair before `start_review`).",
    )

    @staticmethod
    def resolve_actions(obj: Consultation, context: dict[str, Any]) -> list[str]:
        return possible_actions(context["request"].user, obj)

    @staticmethod
    def resolve_blocked_actions(obj: Consultation, context: dict[str, Any]) -> list[Any]:
        return [
            {"action": state.name, "unmet": [str(message) for message in state.unmet]}
            for state in available_actions(context["request"].user, obj)
            if not state.possible
        ]


class ConsultationIn(Schema):
    dossier_id: int = Field(..., ge=1, le=MAX_ID)
    version_number: int = Field(
        ..., ge=1, le=MAX_ID, description="Number of a version of the dossier."
    )
    association_id: int = Field(
        ..., ge=1, le=MAX_ID, description="The association or branch consulted."
    )
    title: Text = Field(..., min_length=1, max_length=500)
    questions: list[Text] = Field(..., min_length=1, max_length=100)
    required_specialties: list[Text] = Field(
        default_factory=list, max_length=50, description="Specialty slugs."
    )
    panel_size: int = Field(3, ge=1, le=50)
    max_per_organization: int | None = Field(2, ge=1, le=50)
    needs_senior: bool = True
    deadline_days: int | None = Field(
        None, ge=1, le=365, description="Leave out to use the configured period."
    )
    day_kind: ConsultationDayKind | None = None
    blind_review: bool = True
    letter_number: Text = Field("", max_length=100)
    note: Text = Field("", max_length=20_000)


class TransitionIn(Schema):
    action: TransitionAction
    reason: Text = Field("", max_length=5_000, description="Needed to return or withdraw.")


class TransitionOut(Schema):
    id: int
    action: str
    label: str
    from_state: str
    to_state: str
    actor_id: int | None
    actor_name: str
    reason: str
    data: dict[str, Any] = Field(
        ...,
        description="What changed besides the state: `old_deadline` and `new_deadline` "
        "(YYYY-MM-DD) of an extension.",
    )
    created_at: datetime

    @staticmethod
    def resolve_label(obj: Transition) -> str:
        return obj.action_label

    @staticmethod
    def resolve_actor_name(obj: Transition) -> str:
        return obj.actor.full_name if obj.actor is not None else ""


class RuleOut(Schema):
    rule: str = Field(
        ...,
        description="outside_recommendation, unavailable, no_email, workload, "
        "organization_limit, specialty_coverage or seniority.",
    )
    message: str


class DeliveryOut(Schema):
    """The newest e-mail about an invitation: the personal link of an expert without an
    account."""

    status: EmailStatus
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None


class InvitationOut(Schema):
    id: int
    expert_id: int
    expert_name: str
    state: InvitationStatus
    is_chair: bool
    recommended: bool
    invited_at: datetime
    respond_by: date | None
    responded_at: datetime | None
    decline_reason: str
    independence_declared: bool
    independence_statement: str
    override_reason: str = Field(
        "", description="Why the secretariat overrode the soft rules in ``overridden_rules``."
    )
    overridden_rules: list[RuleOut] = Field(default_factory=list)
    revoked_at: datetime | None = None
    revoke_reason: str = ""
    reminders_sent: int = Field(0, description="Reminders of the unanswered invitation sent.")
    replaces_id: int | None = Field(
        None, description="The declined or expired invitation whose seat this one fills."
    )
    has_account: bool = Field(
        False,
        description="The expert has an account and is notified in the application; "
        "without one the invitation goes by a personal link e-mailed to them.",
    )
    reach: InvitationReach = Field(
        InvitationReach.ACCOUNT,
        description="``account``, ``email_link``, or ``unreachable``: no account and no "
        "e-mail address, so nothing could be sent.",
    )
    delivery: DeliveryOut | None = Field(
        None,
        description="For the secretariat: the newest e-mail about the invitation "
        "(``queued``, ``sending``, ``sent``, ``retrying`` or ``failed``, with the error).",
    )

    @staticmethod
    def resolve_expert_name(obj: Invitation) -> str:
        return obj.expert.titled_name

    @staticmethod
    def resolve_has_account(obj: Invitation) -> bool:
        return obj.expert.user_id is not None

    @staticmethod
    def resolve_reach(obj: Invitation) -> InvitationReach:
        if obj.expert.user_id is not None:
            return InvitationReach.ACCOUNT
        return InvitationReach.EMAIL_LINK if obj.expert.email else InvitationReach.UNREACHABLE

    @staticmethod
    def resolve_delivery(obj: Invitation) -> OutgoingEmail | None:
        # Set by the endpoints that answer the secretariat (``api._with_delivery``).
        return getattr(obj, "delivery", None)


class InvitationAcceptIn(Schema):
    declared: bool = Field(..., description="The independence declaration is ticked.")
    statement: Text = Field(
        ..., max_length=5_000, description="Any relationship with the parties, or “none”."
    )


class InvitationDeclineIn(Schema):
    reason: Text = Field(..., max_length=5_000)


class AnswerOut(Schema):
    question_id: int
    text: str


class OpinionItemOut(Schema):
    id: int
    order: int
    question_id: int | None
    document_id: int | None
    section: str
    geometry: dict[str, Any] | None
    content: str
    topic: str

    @staticmethod
    def resolve_geometry(obj: OpinionItem) -> dict[str, Any] | None:
        return obj.geometry if isinstance(obj.geometry, dict) else None


class OpinionOut(Schema):
    id: int
    expert_id: int | None
    author: str
    revision: int
    previous_id: int | None
    is_current: bool
    state: OpinionStatus
    verdict: OpinionVerdict | None
    summary: str
    source: OpinionSource
    submitted_at: datetime | None
    lock_version: int = Field(..., description="Send it back with the next change of a draft.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_author(obj: Opinion) -> str:
        return obj.author_label

    @staticmethod
    def resolve_verdict(obj: Opinion) -> str | None:
        return obj.verdict or None


class OpinionDetailOut(OpinionOut):
    answers: list[AnswerOut]
    items: list[OpinionItemOut]

    @staticmethod
    def resolve_answers(obj: Opinion) -> list[Any]:
        return list(obj.answers.all())

    @staticmethod
    def resolve_items(obj: Opinion) -> list[Any]:
        return list(obj.items.all())


class OpinionDraftIn(Schema):
    lock_version: int = Field(
        ..., ge=0, le=MAX_ID, description="The draft's `lock_version` you read."
    )
    verdict: OpinionVerdict | None = None
    summary: Text = Field("", max_length=50_000)
    answers: dict[int, Text] = Field(
        default_factory=dict, max_length=100, description="Answers keyed by question id."
    )


class OpinionSubmitIn(Schema):
    lock_version: int = Field(
        ..., ge=0, le=MAX_ID, description="The draft's `lock_version` you read."
    )


class ResponseOut(Schema):
    result: ResponseResult
    lock_version: int = Field(..., description="Send it back with the next change.")
    explanation: str
    responded_by_id: int | None
    responded_at: datetime


class ResponseItemOut(Schema):
    """One remark of a submitted opinion, with the agency's response once given."""

    item_id: int
    opinion_id: int
    author: str
    verdict: OpinionVerdict | None
    question_id: int | None
    section: str
    topic: str
    content: str
    response: ResponseOut | None

    @staticmethod
    def resolve_item_id(obj: OpinionItem) -> int:
        return obj.pk

    @staticmethod
    def resolve_author(obj: OpinionItem) -> str:
        return obj.opinion.author_label

    @staticmethod
    def resolve_verdict(obj: OpinionItem) -> str | None:
        return obj.opinion.verdict or None

    @staticmethod
    def resolve_response(obj: OpinionItem) -> Response | None:
        return getattr(obj, "response", None)


class ResponseAnswerIn(Schema):
    """The answer to one remark, the item named by the path."""

    result: ResponseResult
    explanation: Text = Field(
        "", max_length=20_000, description="Required unless the result is `accepted`."
    )
    lock_version: int | None = Field(
        None,
        ge=0,
        le=MAX_ID,
        description="The response's `lock_version` you read (0: no answer yet); an answer "
        "saved since answers 422 `edit_conflict`. Leave out to overwrite.",
    )


class ResponseIn(ResponseAnswerIn):
    item_id: int = Field(..., ge=1, le=MAX_ID)


class ReportOut(Schema):
    id: int
    kind: ReportKind
    status: ReportStatus
    filename: str
    size: int
    sha256: str
    created_at: datetime
    finished_at: datetime | None
    download_url: str | None = Field(..., description="Set once the file is ready.")

    @staticmethod
    def resolve_download_url(obj: GeneratedDocument) -> str | None:
        if not obj.is_ready:
            return None
        return reverse("api:download_report", args=[obj.consultation_id, obj.pk])


# --- Chair, synthesis, report, opinion details, rounds ----------------------------------


class ChairIn(Schema):
    invitation_id: int = Field(
        ..., ge=1, le=MAX_ID, description="The invitation of a member who has accepted."
    )


class TopicIn(Schema):
    item_id: int = Field(..., ge=1, le=MAX_ID)
    topic: Text = Field(..., max_length=255, description="Empty to ungroup the remark.")


class SynthesisIn(Schema):
    lock_version: int = Field(
        ..., ge=0, le=MAX_ID, description="The synthesis's `lock_version` you read."
    )
    introduction: Text = Field("", max_length=50_000)
    conclusions: Text = Field("", max_length=50_000)
    recommendations: Text = Field("", max_length=50_000, description="One recommendation per line.")
    topics: list[TopicIn] = Field(
        default_factory=list,
        max_length=5_000,
        description="Topics of remarks, to group them; remarks left out keep theirs.",
    )


class SynthesisOut(Schema):
    lock_version: int = Field(..., description="Send it back with the next change.")
    introduction: str
    conclusions: str
    recommendations: str
    editable: bool = Field(..., description="The user may save it now.")
    items: list[ResponseItemOut] = Field(
        ..., description="Every remark of the current submitted opinions."
    )


class ReportIssueIn(Schema):
    report_number: Text = Field("", max_length=30, description="The number after “Số:”.")


class ReportIssuedOut(Schema):
    state: ConsultationState
    report_number: str
    reported_at: datetime | None
    documents: list[ReportOut] = Field(
        ..., description="Generated in the background: `pending` until ready."
    )


class RevisionIn(Schema):
    version_number: int = Field(
        ..., ge=1, le=MAX_ID, description="Number of the revised version of the dossier."
    )


class RevisionOut(Schema):
    revised_version_number: int | None


class OpinionItemIn(Schema):
    lock_version: int = Field(
        ..., ge=0, le=MAX_ID, description="The draft's `lock_version` you read."
    )
    content: Text = Field(..., max_length=20_000)
    question_id: int | None = Field(None, ge=1, le=MAX_ID)
    document_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="A document of the consulted version."
    )
    section: Text = Field("", max_length=255, description="Section or page.")
    geometry: dict[str, Any] | None = Field(
        None, description="A GeoJSON Point, LineString or Polygon (or a Feature holding one)."
    )


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    is_scanned_letter: bool
    download_url: str

    @staticmethod
    def resolve_filename(obj: Attachment) -> str:
        return obj.original_filename

    @staticmethod
    def resolve_download_url(obj: Attachment) -> str:
        return reverse(
            "api:download_attachment",
            args=[obj.opinion.consultation_id, obj.opinion_id, obj.pk],
        )


class OpinionFullOut(OpinionDetailOut):
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj: Opinion) -> list[Any]:
        return list(obj.attachments.all())


class AttachmentUploadIn(Schema):
    lock_version: int = Field(
        ..., ge=0, le=MAX_ID, description="The draft's `lock_version` you read."
    )


OfflineSource = StrEnum(  # type: ignore[misc]
    "OfflineSource", [(v, v) for v in (Opinion.Source.PAPER, Opinion.Source.EMAIL)]
)


class OfflineOpinionIn(Schema):
    source: OfflineSource
    verdict: OpinionVerdict
    summary: Text = Field("", max_length=50_000)
    expert_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="An expert who accepted the invitation…"
    )
    author_name: Text = Field(
        "", max_length=255, description="…or another author (organisation or person)."
    )
    items_text: Text = Field("", max_length=100_000, description="One remark per line.")


class ConsultationPatch(Schema):
    """Fields left out keep their value; ``null`` clears the three that may be empty."""

    lock_version: int | None = Field(
        None,
        ge=0,
        le=MAX_ID,
        description="The `lock_version` read with the consultation. When given and someone "
        "changed it since, nothing is saved and the answer is 409 `edit_conflict`.",
    )
    title: Text | None = Field(None, min_length=1, max_length=500)
    letter_number: Text | None = Field(None, max_length=100)
    note: Text | None = Field(None, max_length=20_000)
    version_number: int | None = Field(None, ge=1, le=MAX_ID)
    association_id: int | None = Field(None, ge=1, le=MAX_ID)
    questions: list[Text] | None = Field(None, min_length=1, max_length=100)
    required_specialties: list[Text] | None = Field(
        None, max_length=50, description="Specialty slugs."
    )
    panel_size: int | None = Field(None, ge=1, le=50)
    max_per_organization: int | None = Field(None, ge=1, le=50, description="`null`: no limit.")
    needs_senior: bool | None = None
    deadline_days: int | None = Field(
        None, ge=1, le=365, description="`null`: the configured period."
    )
    day_kind: ConsultationDayKind | None = Field(None, description="`null`: as configured.")
    blind_review: bool | None = None


# --- Panel discussion ------------------------------------------------------------------

DiscussionRole = StrEnum(  # type: ignore[misc]
    "DiscussionRole", [(v, v) for v in DiscussionMessage.Role.values]
)


class DiscussionMessageIn(Schema):
    # The service trims and counts after NFC; the schema bounds the request itself.
    body: Text = Field(..., max_length=DISCUSSION_MESSAGE_MAX_LENGTH)
    is_conclusion: bool = Field(
        False, description="The panel's conclusion; the chair's only (403 for anyone else)."
    )
    reply_to_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="A message of the same discussion."
    )


class DiscussionMessageOut(Schema):
    id: int
    author_id: int
    author_name: str
    author_role: DiscussionRole
    body: str
    is_conclusion: bool
    reply_to_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_author_name(obj: DiscussionMessage) -> str:
        return obj.author.full_name


# --- Candidates and invitations sent by the secretariat --------------------------------


class LastPanelOut(Schema):
    consultation_id: int | None = Field(
        ..., description="None when the consultation is not one you may open."
    )
    title: str | None = Field(..., description="None when the consultation is not yours.")
    joined: date = Field(..., description="The day the expert accepted the invitation.")


class CandidateHistoryOut(Schema):
    """The expert's record on other consultations' panels (docs/api.md, "Panel formation")."""

    panels_served: int = Field(
        ..., description="Invitations accepted on rounds that reached their report."
    )
    opinions_submitted: int = Field(..., description="First submissions, one a consultation.")
    on_time: int = Field(..., description="Of them, submitted by the consultation's deadline.")
    on_time_share: float | None = Field(..., description="on_time / opinions_submitted.")
    median_days_to_submit: float | None = Field(
        ..., description="From accepting the invitation to the first submission, in days."
    )
    declined: int
    expired: int
    last_panel: LastPanelOut | None


class CandidateOut(Schema):
    expert_id: int
    expert_name: str
    rank: int | None = Field(None, description="Place in the ranking; none for the excluded.")
    score: float | None = None
    suggested: bool = Field(False, description="In the suggested panel.")
    selectable: bool = Field(
        ..., description="False for a conflict of interest or an expert invited before."
    )
    reason: str = Field("", description="Why ranked so: specialties, affinity, load.")
    conflicts: list[str] = Field(
        default_factory=list, description="Conflicts of interest: the expert cannot be invited."
    )
    excluded_because: list[str] = Field(
        default_factory=list, description="Why the expert is left out of the ranking."
    )
    warnings: list[RuleOut] = Field(
        default_factory=list, description="Soft rules: inviting needs an ``override_reason``."
    )
    open_panels: int = Field(..., description="Seats on other panels still at work.")
    has_email: bool = Field(
        ..., description="False when the expert has neither an e-mail address nor an account."
    )
    history: CandidateHistoryOut


class CandidatesOut(Schema):
    seats: int = Field(..., description="Seats of the panel still to fill.")
    warnings: list[str] = Field(..., description="What the suggested panel could not meet.")
    ranked: list[CandidateOut]
    excluded: list[CandidateOut]
    ranked_count: int = Field(..., description="All the ranked the filters keep.")
    excluded_count: int = Field(
        ..., description="All the excluded the filters keep, ``excluded`` shows the first."
    )


class CandidateParams(Schema):
    limit: int = Field(25, ge=1, le=100, description="Ranked and excluded shown, at most 100.")
    q: Text = Field("", max_length=200, description="Words of the name, keywords or number.")
    specialty: Text = Field("", max_length=150, description="A specialty's slug.")
    organization: int | None = Field(
        None, ge=1, le=MAX_ID, description="Works there today (a current affiliation)."
    )
    rank: AcademicRank | None = None
    degree: Degree | None = None
    max_open_panels: int | None = Field(
        None, ge=0, le=MAX_CONCURRENT_CONSULTATIONS, description="At most this many open panels."
    )
    has_email: bool | None = Field(
        None, description="True: reachable by e-mail or account; false: neither."
    )
    sort: CandidateSort = Field(
        CandidateSort.RANK,
        description="rank (the recommendation's), name (given-name order), open_panels "
        "(fewest first) or on_time (highest share first); within the ranked, then the "
        "excluded.",
    )


class InvitationIn(Schema):
    expert_id: int = Field(..., ge=1, le=MAX_ID)
    override_reason: Text = Field(
        "",
        max_length=2_000,
        description="Required when the expert breaks a soft rule (see the candidates' "
        "``warnings``); stored and shown on the panel and the timeline.",
    )


class InvitationRevokeIn(Schema):
    reason: Text = Field(..., max_length=2_000)


class AlternateOut(Schema):
    invitation_id: int = Field(..., description="The declined or expired invitation.")
    vacated_by: str = Field(..., description="The expert who declined or let it expire.")
    state: InvitationStatus
    expert_id: int | None = Field(None, description="The alternate proposed; none is left.")
    expert_name: str = ""
    reason: str = Field("", description="Why proposed: specialties, affinity, load.")
    warnings: list[RuleOut] = Field(
        default_factory=list, description="Soft rules: inviting needs an ``override_reason``."
    )


class AlternatesOut(Schema):
    seats: int = Field(..., description="Seats of the panel still to fill.")
    auto_invite_alternates: bool
    proposals: list[AlternateOut] = Field(
        ..., description="One per declined or expired invitation not yet replaced, seats allowing."
    )


class AlternateIn(Schema):
    invitation_id: int = Field(..., ge=1, le=MAX_ID)
    expert_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="The alternate read from ``GET …/alternate``; without it, the proposal now.",
    )
    override_reason: Text = Field(
        "", max_length=2_000, description="Required when the alternate breaks a soft rule."
    )


class AutoAlternatesIn(Schema):
    enabled: bool


# --- Deadline extension and explicit closing -------------------------------------------


class ExtensionIn(Schema):
    deadline: date = Field(
        ...,
        ge=FIRST_DAY,
        le=LAST_DAY,
        description="The new answer deadline: later than the current one, not in the past.",
    )
    reason: Text = Field(..., max_length=5_000, description="Why the deadline moves.")
