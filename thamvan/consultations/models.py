"""Consultation rounds (phiếu xin ý kiến), their panels, opinions and responses.

One ``Consultation`` is one round on one frozen dossier version; a new round
links to the previous one. Every state change goes through a service in
``services.py`` that writes a ``Transition`` row, so the timeline on the
consultation page is the audit trail.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import ProtectedError, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from thamvan.core.locking import Versioned
from thamvan.core.models import TimeStampedModel
from thamvan.search.normalize import fold, nfc

if TYPE_CHECKING:
    from thamvan.accounts.models import User


class DayKind(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    WORKING = "working", _("Working days")


class DeadlineRule(models.Model):
    """Dated configuration: how long experts have to answer, from a given day on."""

    valid_from = models.DateField(_("valid from"), unique=True)
    days = models.PositiveSmallIntegerField(_("days to answer"))
    day_kind = models.CharField(
        _("counting"), max_length=10, choices=DayKind.choices, default=DayKind.CALENDAR
    )
    reminder_days = models.CharField(
        _("reminders (days before the deadline)"),
        max_length=50,
        default="3,1",
        help_text=_("Numbers separated by commas, e.g. 3,1."),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.valid_from:%d/%m/%Y}: {self.days} ({self.get_day_kind_display()})"

    @property
    def reminder_offsets(self) -> list[int]:
        return sorted(
            {int(part) for part in self.reminder_days.split(",") if part.strip().isdigit()},
            reverse=True,
        )


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", pgettext_lazy("request", "Accepted")
    RETURNED = "returned", _("Returned")
    PANEL_FORMING = "panel_forming", _("Forming the panel")
    IN_REVIEW = "in_review", _("In review")
    SYNTHESIZING = "synthesizing", _("Synthesising")
    REPORTED = "reported", _("Reported")
    RESPONDING = "responding", _("Responding")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = (
    State.SENT,
    State.ACCEPTED,
    State.PANEL_FORMING,
    State.IN_REVIEW,
    State.SYNTHESIZING,
    State.REPORTED,
    State.RESPONDING,
)
# States in which a panel seat is work in progress for the matching load.
PANEL_OPEN_STATES = (State.PANEL_FORMING, State.IN_REVIEW, State.SYNTHESIZING)
REPORT_STATES = (State.REPORTED, State.RESPONDING, State.CLOSED)


def _local_day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


CONSULTATION_KEPT = _(
    "A consultation is never deleted: it is the record of what was asked and answered. "
    "Withdraw or close it instead."
)
OPINION_KEPT = _("A submitted opinion is never deleted: it is on record. Amend it instead.")


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise ProtectedError(str(CONSULTATION_KEPT), set(self))

    def visible_to(self, user: User) -> ConsultationQuerySet:
        from thamvan.consultations.access import consultation_visibility_q

        return self.filter(consultation_visibility_q(user))

    def involving(self, organization_ids: set[int]) -> ConsultationQuerySet:
        """On dossiers these organisations lead, or sent to them as the consulted body."""
        return self.filter(
            Q(dossier__lead_agency_id__in=organization_ids) | Q(association_id__in=organization_ids)
        )

    def sent_between(self, start: date | None, end: date | None) -> ConsultationQuerySet:
        """Sent on or after ``start`` and on or before ``end`` (local days); either may be open."""
        consultations = self
        if start:
            consultations = consultations.filter(sent_at__gte=_local_day_start(start))
        if end:
            consultations = consultations.filter(
                sent_at__lt=_local_day_start(end + timedelta(days=1))
            )
        return consultations

    def open(self) -> ConsultationQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def search(self, text: str) -> ConsultationQuerySet:
        queryset = self
        for word in fold(nfc(text)).split():
            queryset = queryset.filter(search_key__contains=word)
        return queryset


class Consultation(Versioned, TimeStampedModel):
    State = State
    DayKind = DayKind

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("dossier"),
    )
    version = models.ForeignKey(
        "dossiers.DossierVersion",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("dossier version"),
    )
    association = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="received_consultations",
        verbose_name=_("consulted association"),
    )
    title = models.CharField(_("title"), max_length=500)
    letter_number = models.CharField(
        _("letter number"), max_length=100, blank=True, help_text=_("E.g. 1234/QHKT-P2.")
    )
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    round_number = models.PositiveSmallIntegerField(_("round"), default=1)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_rounds",
        verbose_name=_("previous round"),
    )
    required_specialties = models.ManyToManyField(
        "experts.Specialty",
        blank=True,
        related_name="consultations",
        verbose_name=_("required specialties"),
    )
    panel_size = models.PositiveSmallIntegerField(_("panel size"), default=3)
    max_per_organization = models.PositiveSmallIntegerField(
        _("members per organisation at most"), null=True, blank=True, default=2
    )
    needs_senior = models.BooleanField(_("needs a senior member"), default=True)
    deadline_days = models.PositiveSmallIntegerField(
        _("days to answer"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the configured period."),
    )
    day_kind = models.CharField(
        _("counting"), max_length=10, choices=DayKind.choices, blank=True, default=""
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    blind_review = models.BooleanField(
        _("blind review"),
        default=True,
        help_text=_("Experts see other opinions only after submitting their own."),
    )
    auto_invite_alternates = models.BooleanField(
        _("invite alternates automatically"),
        default=False,
        help_text=_(
            "When an expert declines or lets the invitation expire, invite the proposed "
            "alternate at once if no panel rule needs a reason."
        ),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)
    # Synthesis, held by the chair until the report is issued.
    introduction = models.TextField(_("introduction"), blank=True)
    conclusions = models.TextField(_("conclusions"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    synthesis_lock_version = models.PositiveIntegerField(default=0, editable=False)
    report_number = models.CharField(_("report number"), max_length=30, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    revised_version = models.ForeignKey(
        "dossiers.DossierVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answered_consultations",
        verbose_name=_("revised dossier version"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    search_key = models.TextField(editable=False, default="")

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(panel_size__gte=1), name="consultation_panel_size"),
        ]

    def __str__(self) -> str:
        return self.title

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        # Deleting would cascade to its opinions, invitations and transitions.
        raise ProtectedError(str(CONSULTATION_KEPT), {self})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.title = nfc(self.title).strip()
        self.note = nfc(self.note)
        self.letter_number = nfc(self.letter_number).strip()
        self.search_key = fold(f"{self.title} {self.letter_number}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"title", "letter_number"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("consultations:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def has_report(self) -> bool:
        return self.state in REPORT_STATES

    def days_left(self, today: date | None = None) -> int | None:
        if self.deadline is None:
            return None
        return (self.deadline - (today or timezone.localdate())).days


class Question(models.Model):
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("consultation"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.TextField(_("question"))

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["consultation", "order"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "order"], name="unique_question_order")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.text[:80]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.text = nfc(self.text).strip()
        super().save(*args, **kwargs)


class Transition(models.Model):
    """Who moved a consultation (or one of its parts) from which state to which, and why."""

    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("consultation"),
    )
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    # What changed besides the state, for the timeline (a deadline's old and new dates).
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["consultation", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def from_label(self) -> str:
        return str(State(self.from_state).label) if self.from_state in State.values else ""

    @property
    def to_label(self) -> str:
        return str(State(self.to_state).label) if self.to_state in State.values else ""

    @property
    def deadline_change(self) -> tuple[date, date] | None:
        """The old and new answer deadlines of an extension."""
        try:
            return (
                date.fromisoformat(self.data["old_deadline"]),
                date.fromisoformat(self.data["new_deadline"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


ACTION_LABELS = {
    "created": _("Request drafted"),
    "invited": _("Experts invited"),
    "invitation_accepted": _("Invitation accepted"),
    "invitation_declined": _("Invitation declined"),
    "invitation_expired": _("Invitation expired"),
    "invitation_resent": _("Invitation sent again"),
    "invitation_revoked": _("Invitation revoked"),
    "chair": _("Chair designated"),
    "opinion_submitted": _("Opinion submitted"),
    "opinion_recorded": _("Opinion received and recorded"),
    "revision_linked": _("Revised dossier version linked"),
    "deadline_extended": _("Answer deadline extended"),
    "invitation_reminded": _("Invitation reminders sent"),
    "alternate_invited": _("Alternate invited"),
    "alternate_invited_automatically": _("Alternate invited automatically"),
    "auto_alternates_on": _("Alternates to be invited automatically"),
    "auto_alternates_off": _("Alternates no longer invited automatically"),
}


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def seated(self) -> InvitationQuerySet:
        """Invitations that put the expert on the panel (pending or accepted)."""
        return self.filter(state__in=(Invitation.Status.INVITED, Invitation.Status.ACCEPTED))


class Invitation(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", pgettext_lazy("invitation", "Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("consultation"),
    )
    expert = models.ForeignKey(
        "experts.Expert",
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("expert"),
    )
    state = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.INVITED
    )
    is_chair = models.BooleanField(_("chair"), default=False)
    recommended = models.BooleanField(_("recommended"), default=True)
    rank = models.PositiveIntegerField(_("rank in the recommendation"), null=True, blank=True)
    affinity = models.FloatField(_("affinity"), null=True, blank=True)
    recommendation_reason = models.CharField(_("recommendation"), max_length=500, blank=True)
    override_reason = models.TextField(
        _("reason for choosing outside the recommendation"), blank=True
    )
    # The soft rules the secretariat overrode with ``override_reason``, as they read then:
    # [{"rule": "organization_limit", "message": "…"}].
    overridden_rules = models.JSONField(_("rules overridden"), default=list, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    respond_by = models.DateField(_("answer by"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    independence_declared = models.BooleanField(_("independence declared"), default=False)
    independence_statement = models.TextField(_("independence declaration"), blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)
    # Reminders of an unanswered invitation sent so far: the job sends each one once.
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    # The declined or expired invitation whose seat this one fills: one alternate each.
    replaces = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("alternate for"),
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("invitation", "invitation")
        verbose_name_plural = pgettext_lazy("invitation", "invitations")
        ordering = ["consultation", "-is_chair", "invited_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "expert"], name="unique_invitation_per_expert"
            ),
            models.UniqueConstraint(
                fields=["consultation"], condition=Q(is_chair=True), name="one_chair_per_panel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.consultation}"


class OpinionQuerySet(models.QuerySet["Opinion"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        submitted: set[models.Model] = set(self.filter(state=Opinion.Status.SUBMITTED))
        if submitted:
            raise ProtectedError(str(OPINION_KEPT), submitted)
        return super().delete()

    def visible_to(self, user: User) -> OpinionQuerySet:
        """Submitted opinions the user may read, across consultations (never drafts)."""
        from thamvan.consultations.access import opinion_visibility_q

        return self.filter(opinion_visibility_q(user))


class Opinion(TimeStampedModel):
    """One revision of one expert's (or one body's) opinion on a consultation."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Verdict(models.TextChoices):
        AGREE = "agree", _("Agree")
        AGREE_WITH_CONDITIONS = "conditions", _("Agree with conditions")
        DISAGREE = "disagree", _("Disagree")

    class Source(models.TextChoices):
        ONLINE = "online", _("Written in thamvan")
        PAPER = "paper", _("Received on paper")
        EMAIL = "email", _("Received by email")

    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        related_name="opinions",
        verbose_name=_("consultation"),
    )
    expert = models.ForeignKey(
        "experts.Expert",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name=_("expert"),
    )
    author_name = models.CharField(
        _("author"),
        max_length=255,
        blank=True,
        help_text=_("The organisation or person, for opinions not written by a panel expert."),
    )
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendment",
        verbose_name=_("amends"),
    )
    is_current = models.BooleanField(_("current revision"), default=True)
    state = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices, blank=True)
    summary = models.TextField(_("general remarks"), blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.ONLINE
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # Optimistic locking: every save of a draft bumps it; a save from a stale
    # page (another tab) is refused instead of silently overwriting.
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    objects = OpinionQuerySet.as_manager()

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["consultation", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "expert", "revision"],
                condition=Q(expert__isnull=False),
                name="unique_opinion_revision",
            ),
            models.UniqueConstraint(
                fields=["consultation", "expert"],
                condition=Q(expert__isnull=False, state="draft"),
                name="one_draft_opinion_per_expert",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_label} · {self.consultation}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.summary = nfc(self.summary)
        self.author_name = nfc(self.author_name).strip()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.state == Opinion.Status.SUBMITTED:
            raise ProtectedError(str(OPINION_KEPT), {self})
        return super().delete(*args, **kwargs)

    @property
    def author_label(self) -> str:
        if self.expert is not None:
            return self.expert.titled_name
        return self.author_name

    @property
    def is_submitted(self) -> bool:
        return self.state == self.Status.SUBMITTED

    def get_absolute_url(self) -> str:
        return reverse("consultations:opinion_detail", args=[self.consultation_id, self.pk])


class Answer(models.Model):
    opinion = models.ForeignKey(
        Opinion, on_delete=models.CASCADE, related_name="answers", verbose_name=_("opinion")
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["opinion", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["opinion", "question"], name="unique_answer")
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.text = nfc(self.text)
        super().save(*args, **kwargs)


class OpinionItem(models.Model):
    """One remark, tied to a part of the frozen dossier version or to a place on its map."""

    opinion = models.ForeignKey(
        Opinion, on_delete=models.CASCADE, related_name="items", verbose_name=_("opinion")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    question = models.ForeignKey(
        Question,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("question"),
    )
    document = models.ForeignKey(
        "dossiers.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinion_items",
        verbose_name=_("document"),
    )
    section = models.CharField(
        _("section or page"), max_length=255, blank=True, help_text=_("E.g. “Section 3.2, p. 41”.")
    )
    geometry = models.JSONField(_("place on the map"), null=True, blank=True)
    content = models.TextField(_("remark"))
    # The chair's grouping for the synthesis and the report ("Giao thông").
    topic = models.CharField(_("topic"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("opinion item")
        verbose_name_plural = _("opinion items")
        ordering = ["opinion", "order", "pk"]

    def __str__(self) -> str:
        return self.content[:80]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.content = nfc(self.content)
        self.section = nfc(self.section).strip()
        self.topic = nfc(self.topic).strip()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.opinion.state == Opinion.Status.SUBMITTED:
            raise ProtectedError(str(OPINION_KEPT), {self})
        return super().delete(*args, **kwargs)

    @property
    def geometry_type(self) -> str:
        return str(self.geometry.get("type", "")) if isinstance(self.geometry, dict) else ""

    @property
    def target_label(self) -> str:
        parts = [self.document.title if self.document is not None else "", self.section]
        return " · ".join(p for p in parts if p)


class Attachment(models.Model):
    opinion = models.ForeignKey(
        Opinion, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("opinion")
    )
    is_scanned_letter = models.BooleanField(_("scanned letter"), default=False)
    file = models.FileField(_("file"), max_length=255)
    original_filename = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["opinion", "pk"]

    def __str__(self) -> str:
        return self.original_filename


class ResponseQuerySet(models.QuerySet["Response"]):
    def visible_to(self, user: User) -> ResponseQuerySet:
        """Answers to the opinions the user may read."""
        from thamvan.consultations.access import opinion_visibility_q

        return self.filter(opinion_visibility_q(user, prefix="item__opinion__"))


class Response(Versioned):
    """The agency's answer to one opinion item (tiếp thu, giải trình).

    ``lock_version`` counts saves from 1: a response form opened before any
    answer carries 0, so it clashes with an answer saved in the meantime.
    """

    class Result(models.TextChoices):
        ACCEPTED = "accepted", pgettext_lazy("response", "Accepted")
        PARTLY_ACCEPTED = "partly_accepted", _("Partly accepted")
        NOT_ACCEPTED = "not_accepted", _("Explained, not accepted")

    item = models.OneToOneField(
        OpinionItem, on_delete=models.CASCADE, related_name="response", verbose_name=_("item")
    )
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    explanation = models.TextField(_("response and explanation"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=pgettext_lazy("response", "answered by"),
    )
    responded_at = models.DateTimeField(
        pgettext_lazy("response", "answered at"), default=timezone.now
    )

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.CheckConstraint(
                condition=Q(result="accepted") | ~Q(explanation=""),
                name="response_explained_unless_accepted",
            )
        ]

    def __str__(self) -> str:
        return self.get_result_display()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.explanation = nfc(self.explanation).strip()
        super().save(*args, **kwargs)


# --- Panel discussion ------------------------------------------------------------------

DISCUSSION_MESSAGE_MAX_LENGTH = 5000
DISCUSSION_MESSAGE_KEPT = _(
    "A discussion message is never changed or deleted: it is on record. Post a correction."
)


class DiscussionMessage(models.Model):
    """One message of the panel's discussion (``access.discussion_visible_to``).

    Messages are never edited or deleted, like submitted opinions: what the panel said
    is on record, and a correction is a new message replying to the first.
    """

    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        SECRETARIAT = "secretariat", _("Secretariat")
        MEMBER = "member", _("Panel member")

    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        related_name="discussion_messages",
        verbose_name=_("consultation"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    # The author's role when they wrote, so the thread shows it without a query per row.
    author_role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    body = models.TextField(_("message text"), max_length=DISCUSSION_MESSAGE_MAX_LENGTH)
    is_conclusion = models.BooleanField(_("the panel's conclusion"), default=False)
    reply_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)

    class Meta:
        verbose_name = _("discussion message")
        verbose_name_plural = _("discussion messages")
        ordering = ["consultation", "created_at", "pk"]
        indexes = [
            models.Index(fields=["consultation", "created_at"], name="discussion_thread"),
        ]

    def __str__(self) -> str:
        return self.body[:80]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ProtectedError(str(DISCUSSION_MESSAGE_KEPT), {self})
        self.body = nfc(self.body).strip()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ProtectedError(str(DISCUSSION_MESSAGE_KEPT), {self})


class InvitationLinkQuerySet(models.QuerySet["InvitationLink"]):
    def live(self) -> InvitationLinkQuerySet:
        """Links neither revoked nor used: at most one per invitation."""
        return self.filter(revoked_at__isnull=True, used_at__isnull=True)


class InvitationLink(models.Model):
    """The personal link that reaches an invited expert who has no account (DESIGN §2,
    "invited guest").

    Only the SHA-256 of the token is stored; the token itself is in the e-mail alone,
    whose body the outbox drops once sent, so a new mail (sent again, a reminder) needs
    a new link, and the new link revokes the earlier ones. The link serves its one
    invitation until the answer date ends, the invitation is answered or revoked, or
    the account it activates exists.
    """

    invitation = models.ForeignKey(
        Invitation,
        on_delete=models.CASCADE,
        related_name="links",
        verbose_name=pgettext_lazy("invitation", "invitation"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # When the expert answered through it (accepting activates their account).
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    objects = InvitationLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation link")
        verbose_name_plural = _("invitation links")
        ordering = ["invitation", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.invitation} · {self.created_at:%Y-%m-%d %H:%M}"
