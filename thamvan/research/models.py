"""Research topics (đề tài nghiên cứu) commissioned from the association's experts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from thamvan.core.locking import Versioned
from thamvan.core.models import TimeStampedModel
from thamvan.search.normalize import fold, nfc

if TYPE_CHECKING:
    from thamvan.accounts.models import User

# A budget above a trillion đồng is a typing error, not a research topic.
MAX_BUDGET_VND = 10**12


class TopicQuerySet(models.QuerySet["ResearchTopic"]):
    def visible_to(self, user: User) -> TopicQuerySet:
        from thamvan.research.access import topic_visibility_q

        return self.filter(topic_visibility_q(user))

    def search(self, text: str) -> TopicQuerySet:
        queryset = self
        for word in fold(nfc(text)).split():
            queryset = queryset.filter(search_key__contains=word)
        return queryset


class ResearchTopic(Versioned, TimeStampedModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        IN_PROGRESS = "in_progress", _("In progress")
        ACCEPTED = "accepted", pgettext_lazy("research", "Accepted")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS: dict[str, frozenset[str]] = {
        "proposed": frozenset({"approved", "rejected"}),
        "approved": frozenset({"in_progress", "rejected"}),
        "in_progress": frozenset({"accepted", "rejected"}),
        "accepted": frozenset(),
        "rejected": frozenset(),
    }

    code = models.CharField(_("code"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    lead_expert = models.ForeignKey(
        "experts.Expert",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_topics",
        verbose_name=_("lead expert"),
    )
    team = models.ManyToManyField(
        "experts.Expert", blank=True, related_name="research_topics", verbose_name=_("team")
    )
    commissioning_organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="commissioned_topics",
        verbose_name=_("commissioning organisation"),
    )
    budget_vnd = models.PositiveBigIntegerField(
        _("budget (VND)"), default=0, validators=[MaxValueValidator(MAX_BUDGET_VND)]
    )
    start_on = models.DateField(_("start"), null=True, blank=True)
    end_on = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    dossiers = models.ManyToManyField(
        "dossiers.Dossier", blank=True, related_name="research_topics", verbose_name=_("dossiers")
    )
    tasks = models.ManyToManyField(
        "programme.Task", blank=True, related_name="research_topics", verbose_name=_("tasks")
    )
    search_key = models.TextField(editable=False, default="")

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("research topic")
        verbose_name_plural = _("research topics")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_on__isnull=True)
                | Q(end_on__isnull=True)
                | Q(end_on__gte=models.F("start_on")),
                name="topic_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.title = nfc(self.title)
        self.summary = nfc(self.summary)
        self.search_key = fold(f"{self.code} {self.title}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("research:detail", args=[self.pk])


class Milestone(models.Model):
    topic = models.ForeignKey(
        ResearchTopic, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("topic")
    )
    title = models.CharField(_("milestone"), max_length=255)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["topic", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Output(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("Research report")
        MAP = "map", _("Maps and drawings")
        DRAFT_REGULATION = "draft_regulation", _("Draft regulation or guideline")
        ARTICLE = "article", _("Article or paper")
        OTHER = "other", _("Other")

    topic = models.ForeignKey(
        ResearchTopic, on_delete=models.CASCADE, related_name="outputs", verbose_name=_("topic")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("output")
        verbose_name_plural = _("outputs")
        ordering = ["topic", "pk"]

    def __str__(self) -> str:
        return self.title
