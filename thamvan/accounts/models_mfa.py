"""Second factor: a TOTP authenticator and single-use recovery codes per user."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["AuthFailure", "RecoveryCode", "TOTPDevice"]


class TOTPDevice(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="totp_device",
        verbose_name=_("user"),
    )
    # Base32 secret shared with the authenticator app.
    secret = models.CharField(_("secret"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The newest 30-second time step accepted; an older or equal step is a replay.
    last_used_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="recovery_codes",
        verbose_name=_("user"),
    )
    # The first characters of a code find its row; the rest is checked
    # against a salted password hash (ASVS 6.5.2: under 112 bits of entropy).
    lookup = models.CharField(max_length=8)
    code_hash = models.CharField(max_length=256)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user", "lookup"], name="unique_recovery_code_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class AuthFailure(models.Model):
    """Recent failed second-factor codes and API tokens, and password-reset requests.

    The basis of their throttling.
    """

    class Scope(models.TextChoices):
        MFA = "mfa", _("second factor")
        TOKEN = "token", _("API token")
        PASSWORD_RESET = "reset", _("password reset")

    scope = models.CharField(max_length=10, choices=Scope.choices)
    key = models.CharField(max_length=254)
    ip_address = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("authentication failure")
        verbose_name_plural = _("authentication failures")
        indexes = [models.Index(fields=["scope", "key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
