"""The cooperation programme, directives and the tasks that carry them out.

A programme (chương trình hợp tác) runs over a period between several parties
and is broken into a tree of tasks. A directive (văn bản chỉ đạo) lists its
conclusions; each conclusion is carried out by tasks assigned to organisations.
A task's progress is reported in dated entries; a parent's progress is the
weighted mean of its children's, cancelled children left out.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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


class ProgrammeQuerySet(models.QuerySet["Programme"]):
    def visible_to(self, user: User) -> ProgrammeQuerySet:
        from thamvan.programme.access import programme_visibility_q

        return self.filter(programme_visibility_q(user))

    def search(self, text: str) -> ProgrammeQuerySet:
        queryset = self
        for word in fold(nfc(text)).split():
            queryset = queryset.filter(name_key__contains=word)
        return queryset


class Programme(Versioned, TimeStampedModel):
    code = models.CharField(
        _("code"), max_length=50, unique=True, help_text=_("A unique code, e.g. CTHT-2021-2026.")
    )
    name = models.CharField(_("name"), max_length=500)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    parties = models.ManyToManyField(
        "organizations.Organization",
        related_name="programmes",
        verbose_name=_("parties"),
    )
    description = models.TextField(_("description"), blank=True)
    name_key = models.CharField(max_length=500, editable=False, db_index=True, default="")

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-period_start", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="programme_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = nfc(self.name)
        self.name_key = fold(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("programme:detail", args=[self.pk])


class Objective(models.Model):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("programme")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("objective"))

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["programme", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class DirectiveQuerySet(models.QuerySet["Directive"]):
    def visible_to(self, user: User) -> DirectiveQuerySet:
        from thamvan.programme.access import can_read_directives

        return self if can_read_directives(user) else self.none()

    def search(self, text: str) -> DirectiveQuerySet:
        queryset = self
        for word in fold(nfc(text)).split():
            queryset = queryset.filter(search_key__contains=word)
        return queryset


class Directive(Versioned, TimeStampedModel):
    class Kind(models.TextChoices):
        CONCLUSION_NOTICE = "conclusion_notice", _("Conclusion notice")
        DIRECTIVE = "directive", _("Directive")
        DECISION = "decision", _("Decision")
        PLAN = "plan", _("Plan")
        OFFICIAL_LETTER = "official_letter", _("Official letter")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    number = models.CharField(
        _("number and symbol"), max_length=60, help_text=_("For example 06-TB/TU.")
    )
    issuer = models.CharField(
        _("issuer"), max_length=255, help_text=_("For example Thành ủy Hà Nội.")
    )
    issued_on = models.DateField(_("date issued"))
    title = models.CharField(_("excerpt"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    # Stored under a generated key; the user's file name is metadata only.
    attachment = models.FileField(_("attachment"), max_length=255, blank=True)
    attachment_name = models.CharField(_("attachment file name"), max_length=255, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True, editable=False)
    programme = models.ForeignKey(
        Programme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directives",
        verbose_name=_("programme"),
    )
    search_key = models.TextField(editable=False, default="")

    objects = DirectiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "issued_on"], name="unique_directive_number_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        for name in ("number", "issuer", "title", "summary"):
            setattr(self, name, nfc(getattr(self, name)))
        self.search_key = fold(" ".join([self.number, self.issuer, self.title, self.summary]))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("programme:directive_detail", args=[self.pk])


class Conclusion(models.Model):
    """One conclusion (kết luận) or instruction of a directive."""

    directive = models.ForeignKey(
        Directive, on_delete=models.CASCADE, related_name="conclusions", verbose_name=_("directive")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    text = models.TextField(_("conclusion"))

    class Meta:
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")
        ordering = ["directive", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.text = nfc(self.text)
        super().save(*args, **kwargs)


class TaskStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("task", "Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    OVERDUE = "overdue", _("Overdue")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses a task may move to from each status; overdue reopens when its deadline moves.
TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    TaskStatus.PLANNED: frozenset({"in_progress", "done", "overdue", "cancelled"}),
    TaskStatus.IN_PROGRESS: frozenset({"done", "overdue", "cancelled"}),
    TaskStatus.OVERDUE: frozenset({"in_progress", "done", "cancelled"}),
    TaskStatus.DONE: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
}
OPEN_STATUSES = (TaskStatus.PLANNED, TaskStatus.IN_PROGRESS, TaskStatus.OVERDUE)


class TaskQuerySet(models.QuerySet["Task"]):
    def visible_to(self, user: User) -> TaskQuerySet:
        from thamvan.programme.access import task_visibility_q

        return self.filter(task_visibility_q(user))

    def search(self, text: str) -> TaskQuerySet:
        queryset = self
        for word in fold(nfc(text)).split():
            queryset = queryset.filter(title_key__contains=word)
        return queryset

    def for_organizations(self, ids: set[int]) -> TaskQuerySet:
        """Tasks an organisation leads or cooperates on."""
        return self.filter(
            Q(lead_organization_id__in=sorted(ids))
            | Q(
                pk__in=Task.cooperating_organizations.through.objects.filter(
                    organization_id__in=sorted(ids)
                ).values("task_id")
            )
        )

    def open(self) -> TaskQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def past_deadline(self, today: date) -> TaskQuerySet:
        return self.filter(
            status__in=(TaskStatus.PLANNED, TaskStatus.IN_PROGRESS), deadline__lt=today
        )

    def deadline_within(self, start: date | None, end: date | None) -> TaskQuerySet:
        queryset = self
        if start:
            queryset = queryset.filter(deadline__gte=start)
        if end:
            queryset = queryset.filter(deadline__lte=end)
        return queryset


class Task(Versioned, TimeStampedModel):
    Status = TaskStatus

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("programme"),
    )
    conclusion = models.ForeignKey(
        Conclusion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("directive conclusion"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent task"),
    )
    code = models.CharField(_("code"), max_length=30, blank=True, help_text=_("For example 1.2."))
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    lead_organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="led_tasks",
        verbose_name=_("lead organisation"),
    )
    cooperating_organizations = models.ManyToManyField(
        "organizations.Organization",
        blank=True,
        related_name="cooperating_tasks",
        verbose_name=_("cooperating organisations"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_tasks",
        verbose_name=_("owner"),
    )
    start = models.DateField(_("start"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PLANNED
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("How much this task counts in its parent's progress."),
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True, editable=False)
    title_key = models.TextField(editable=False, default="")

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "code", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="task_status_deadline"),
            models.Index(fields=["lead_organization", "status"], name="task_lead_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="task_progress_max_100"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="task_weight_positive"),
            models.CheckConstraint(
                condition=Q(start__isnull=True)
                | Q(deadline__isnull=True)
                | Q(deadline__gte=models.F("start")),
                name="task_deadline_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.title = nfc(self.title)
        self.description = nfc(self.description)
        self.title_key = fold(f"{self.code} {self.title}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and ({"title", "code"} & set(update_fields)):
            kwargs["update_fields"] = {*update_fields, "title_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("programme:task_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ProgressReport(models.Model):
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="reports", verbose_name=_("task")
    )
    reported_on = models.DateField(_("report date"))
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MaxValueValidator(100)]
    )
    note = models.TextField(_("what was done"), blank=True)
    attachment = models.FileField(_("attachment"), max_length=255, blank=True)
    attachment_name = models.CharField(_("attachment file name"), max_length=255, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-reported_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.task} · {self.reported_on:%d/%m/%Y} · {self.progress}%"
