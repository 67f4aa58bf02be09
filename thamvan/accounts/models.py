from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan.core.fields import SortKeyField
from thamvan.search.normalize import nfc, sort_key

if TYPE_CHECKING:
    from thamvan.organizations.models import Organization


class Role(models.TextChoices):
    AGENCY_OFFICER = "agency_officer", _("Agency officer")
    SECRETARIAT = "secretariat", _("Secretariat")
    EXPERT = "expert", _("Expert")
    LEADERSHIP = "leadership", _("Leadership")
    ADMIN = "admin", _("Administrator")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Vietnamese names sort by given name (the last word); kept as a column so
    # the database can order and paginate by it.
    sort_name = SortKeyField(max_length=320, editable=False, db_index=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Can log into the administration site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["sort_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.full_name = nfc(self.full_name)
        self.email = self.email.lower()
        self.sort_name = sort_key(self.full_name or self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_name"}
        # Checked on the stored hash, not in the views: every way of changing a
        # password (own change, reset, admin, shell, a future form) ends here.
        password_changed = self._password_hash_changes(update_fields)
        with transaction.atomic():
            super().save(*args, **kwargs)
            if password_changed:
                from thamvan.accounts.tokens import api_tokens_revoke_all

                api_tokens_revoke_all(user=self, reason="password_changed")

    def _password_hash_changes(self, update_fields: Any) -> bool:
        if self.pk is None or getattr(self, "_rehashing", False):
            return False
        if update_fields is not None and "password" not in update_fields:
            return False
        stored = User.objects.filter(pk=self.pk).values_list("password", flat=True).first()
        return stored is not None and stored != self.password

    # Signing in may store the same password hashed with newer parameters;
    # that is no change of password and must keep the API tokens.
    def check_password(self, raw_password: str) -> bool:
        self._rehashing = True
        try:
            return super().check_password(raw_password)
        finally:
            self._rehashing = False

    async def acheck_password(self, raw_password: str) -> bool:
        self._rehashing = True
        try:
            return await super().acheck_password(raw_password)
        finally:
            self._rehashing = False

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name else self.email

    # Roles are read on nearly every request; load the memberships once per
    # user object rather than querying per check.
    @property
    def active_memberships(self) -> list[Membership]:
        cached: list[Membership] | None = getattr(self, "_memberships_cache", None)
        if cached is None:
            if not self.pk or not self.is_active:
                cached = []
            else:
                cached = list(
                    Membership.objects.filter(user=self, is_active=True).select_related(
                        "organization"
                    )
                )
            self._memberships_cache = cached
        return cached

    @property
    def roles(self) -> set[str]:
        roles = {m.role for m in self.active_memberships}
        if self.is_superuser:
            roles.add(Role.ADMIN)
        return roles

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def organization_ids(self, *roles: str) -> set[int]:
        """Organisations where the user holds any of the roles (any role if none given)."""
        return {m.organization_id for m in self.active_memberships if not roles or m.role in roles}

    def organization_scope(self, *roles: str) -> set[int]:
        """Organisations where the user holds any of the roles, with every unit below them.

        Cached on the user object: access checks ask for it many times per request.
        """
        from thamvan.organizations.models import Organization

        cache: dict[tuple[str, ...], set[int]] = self.__dict__.setdefault("_scope_cache", {})
        key = tuple(sorted(roles))
        if key not in cache:
            roots = self.organization_ids(*roles)
            cache[key] = Organization.objects.subtree_ids(roots) if roots else set()
        return cache[key]

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or Role.ADMIN in self.roles

    @property
    def primary_organization(self) -> Organization | None:
        memberships = self.active_memberships
        return memberships[0].organization if memberships else None


class Membership(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    position = models.CharField(_("position"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="unique_membership_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class LoginAttempt(models.Model):
    """Recent login attempts, the basis of throttling."""

    email = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    succeeded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} {self.created_at:%Y-%m-%d %H:%M}"


from thamvan.accounts.models_invitations import AccountInvitation  # noqa: E402, F401
from thamvan.accounts.models_mfa import AuthFailure, RecoveryCode, TOTPDevice  # noqa: E402, F401
from thamvan.accounts.models_tokens import ApiToken  # noqa: E402, F401
