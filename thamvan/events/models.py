"""Workshops (hội thảo) and round tables (tọa đàm) with invitations and minutes.

A workshop is planned, its invitations are sent, it is held (attendance is
recorded) and its minutes (biên bản) are published; a conclusion of the
minutes can become a programme task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from thamvan.core.fields import SortKeyField
from thamvan.core.locking import Versioned
from thamvan.core.models import TimeStampedModel
from thamvan.search.normalize import fold, nfc, sort_key

if TYPE_CHECKING:
    from datetime import datetime

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


class WorkshopInvitationQuerySet(models.QuerySet["Invitation"]):
    def guests(self) -> WorkshopInvitationQuerySet:
        return self.filter(user__isnull=True)

    def in_list_order(self) -> WorkshopInvitationQuerySet:
        """People with an account by name, then guests by name (nulls placed alike on
        every database)."""
        return self.order_by(F("user__sort_name").asc(nulls_last=True), "guest_sort_name", "pk")


class Invitation(models.Model):
    """An invitation of a person with an account (``user``) or of a guest without one,
    named by ``guest_name`` and ``guest_email`` and reached through a personal link."""

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
        null=True,
        blank=True,
        related_name="workshop_invitations",
        verbose_name=_("invitee"),
    )
    guest_name = models.CharField(_("guest's name"), max_length=150, blank=True)
    guest_email = models.EmailField(_("guest's e-mail address"), blank=True)
    guest_organization = models.CharField(_("guest's organisation"), max_length=255, blank=True)
    guest_position = models.CharField(_("guest's position"), max_length=150, blank=True)
    guest_sort_name = SortKeyField(max_length=320, editable=False, blank=True, default="")
    # SHA-256 of the guest's personal link, set when the invitation is e-mailed; the
    # link itself is never stored.
    guest_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    reply = models.CharField(
        _("reply"), max_length=10, choices=Reply.choices, default=Reply.PENDING
    )
    reply_note = models.CharField(_("note"), max_length=500, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = WorkshopInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("workshop", "invitation")
        verbose_name_plural = pgettext_lazy("workshop", "invitations")
        ordering = ["workshop", "user__sort_name", "guest_sort_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="unique_workshop_invitee"),
            models.UniqueConstraint(
                fields=["workshop", "guest_email"],
                condition=Q(user__isnull=True),
                name="unique_workshop_guest_email",
            ),
            # Either an account or a guest's name and address, never both nor neither.
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, guest_name="", guest_email="")
                    | (Q(user__isnull=True) & ~Q(guest_name="") & ~Q(guest_email=""))
                ),
                name="workshop_invitation_user_or_guest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop} · {self.invitee_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        for name in ("guest_name", "guest_organization", "guest_position"):
            setattr(self, name, " ".join(nfc(getattr(self, name)).split()))
        self.guest_email = self.guest_email.strip().lower()
        self.guest_sort_name = sort_key(self.guest_name) if self.guest_name else ""
        super().save(*args, **kwargs)

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    @property
    def invitee_name(self) -> str:
        if self.user is not None:
            return self.user.full_name or self.user.email
        return self.guest_name

    def guest_link_expired(self, now: datetime) -> bool:
        """A guest's link works until the workshop starts, and not once it is cancelled."""
        workshop = self.workshop
        return workshop.starts_at <= now or workshop.status not in (
            Workshop.Status.PLANNED,
            Workshop.Status.INVITATIONS_SENT,
        )


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
