"""Activation links: the e-mailed link with which a new account chooses its first password.

Only the SHA-256 of the link's secret is stored. A link works once, until it
expires; sending a newer one, or deactivating the account, withdraws the older.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccountInvitationQuerySet(models.QuerySet["AccountInvitation"]):
    def open(self) -> AccountInvitationQuerySet:
        """Neither used nor withdrawn (expired ones included)."""
        return self.filter(used_at__isnull=True, revoked_at__isnull=True)


class AccountInvitation(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Waiting for activation")
        USED = "used", _("Used")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", pgettext_lazy("account", "Withdrawn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_invitations",
        verbose_name=_("user"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = AccountInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("account activation link")
        verbose_name_plural = _("account activation links")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"

    def state(self, now: datetime | None = None) -> str:
        if self.used_at is not None:
            return self.State.USED
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.OPEN
