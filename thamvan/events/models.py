"""Workshops (hội thảo) and round tables (tọa đàm) with invitations and minutes.

A workshop is planned, its invitations are sent, it is held (attendance is
recorded) and its minutes (biên bản) are published; a conclusion of the
minutes can become a programme task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
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


def invitable_users() -> models.QuerySet[User]:
    """The people with an account who can be invited: active, with an active membership."""
    from thamvan.accounts.models import Membership, User

    members = Membership.objects.filter(is_active=True).values("user_id")
    return User.objects.filter(is_active=True, pk__in=members)


class WorkshopQuerySet(models.QuerySet["Workshop"]):
    def visible_to(self, user: User) -> WorkshopQuerySet:
        from thamvan.events.access import workshop_visibility_q

        return self.filter(workshop_visibility_q(user))

    def search(self, text: str) -> WorkshopQuerySet:
        queryset = self
        for word in fold(nfc(text)).split():
            queryset = queryset.filter(search_key__contains=word)
        return queryset

    def upcoming(self, now: Any) -> WorkshopQuerySet:
        return self.filter(starts_at__gte=now).exclude(status=Workshop.Status.CANCELLED)


class Workshop(Versioned, TimeStampedModel):
    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        ROUND_TABLE = "round_table", _("Round table")

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("workshop", "Planned")
        INVITATIONS_SENT = "invitations_sent", _("Invitations sent")
        HELD = "held", _("Held")
        MINUTES_PUBLISHED = "minutes_published", _("Minutes published")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.WORKSHOP)
    topic = models.CharField(_("topic"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True, help_text=_("One item per line."))
    host = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="hosted_workshops",
        verbose_name=_("host organisation"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    dossiers = models.ManyToManyField(
        "dossiers.Dossier", blank=True, related_name="workshops", verbose_name=_("dossiers")
    )
    tasks = models.ManyToManyField(
        "programme.Task", blank=True, related_name="workshops", verbose_name=_("tasks")
    )
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_published_at = models.DateTimeField(_("minutes published at"), null=True, blank=True)
    search_key = models.TextField(editable=False, default="")

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="workshop_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.topic

    def save(self, *args: Any, **kwargs: Any) -> None:
        for name in ("topic", "description", "venue", "agenda", "minutes"):
            setattr(self, name, nfc(getattr(self, name)))
        self.search_key = fold(f"{self.topic} {self.venue}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk])

    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.agenda.splitlines() if line.strip()]


class Invitation(models.Model):
    class Reply(models.TextChoices):
        PENDING = "pending", _("No reply yet")
        ACCEPTED = "accepted", _("Will attend")
        DECLINED = "declined", _("Declined")

    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("workshop")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="workshop_invitations",
        verbose_name=_("invitee"),
    )
    reply = models.CharField(
        _("reply"), max_length=10, choices=Reply.choices, default=Reply.PENDING
    )
    reply_note = models.CharField(_("note"), max_length=500, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("workshop", "invitation")
        verbose_name_plural = pgettext_lazy("workshop", "invitations")
        ordering = ["workshop", "user__sort_name"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="unique_workshop_invitee")
        ]

    def __str__(self) -> str:
        return f"{self.workshop} · {self.user}"


class MinutesConclusion(models.Model):
    """A conclusion of the minutes; it may be turned into a programme task."""

    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="conclusions", verbose_name=_("workshop")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    text = models.TextField(_("conclusion"))
    task = models.OneToOneField(
        "programme.Task",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop_conclusion",
        verbose_name=_("task"),
    )

    class Meta:
        verbose_name = _("minutes conclusion")
        verbose_name_plural = _("minutes conclusions")
        ordering = ["workshop", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]
