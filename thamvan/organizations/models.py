from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from thamvan.core.fields import SortKeyField
from thamvan.core.locking import Versioned
from thamvan.core.models import TimeStampedModel
from thamvan.search.normalize import fold, nfc, syllables

if TYPE_CHECKING:
    from thamvan.accounts.models import User


class AdministrativeUnit(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Province or centrally governed city")
        COMMUNE = "commune", _("Commune, ward or special zone")

    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=150)
    division_type = models.CharField(_("type"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    source = models.CharField(_("source"), max_length=255, blank=True)
    name_key = SortKeyField(max_length=150, editable=False, db_index=True)

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["level", "name_key"]
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="unique_unit_code_per_level")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = nfc(self.name)
        self.name_key = fold(self.name)
        super().save(*args, **kwargs)


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def active(self) -> OrganizationQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user: User) -> OrganizationQuerySet:
        # Organisations are public reference data for every signed-in user.
        if not user.is_authenticated:
            return self.none()
        return self

    def subtree_ids(self, root_ids: set[int]) -> set[int]:
        """The given organisations and everything below them, one query per tree level."""
        ids = set(root_ids)
        frontier = set(root_ids)
        while frontier:
            frontier = set(self.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
            ids |= frontier
        return ids

    def search(self, text: str) -> OrganizationQuerySet:
        words = syllables(text)
        if not words:
            return self
        # Every word must appear, whatever punctuation stands between them in
        # the name ("quy hoach kien truc" finds "Quy hoạch - Kiến trúc").
        by_name = Q()
        for word in words:
            by_name &= Q(name_key__contains=word)
        return self.filter(by_name | Q(abbreviation__icontains=text.strip()))


class Organization(Versioned, TimeStampedModel):
    class Kind(models.TextChoices):
        CITY_COMMITTEE = "city_committee", _("Provincial or city People's Committee")
        DEPARTMENT = "department", _("Department or agency")
        COMMUNE_COMMITTEE = "commune_committee", _("Commune or ward People's Committee")
        ASSOCIATION = "association", _("Professional association")
        ASSOCIATION_BRANCH = "association_branch", _("Association branch")
        CONSULTING_FIRM = "consulting_firm", _("Consulting firm")
        INVESTOR = "investor", _("Investor")
        UNIVERSITY = "university", _("University or research institute")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=255)
    abbreviation = models.CharField(
        _("abbreviation"),
        max_length=30,
        blank=True,
        help_text=_("Used in document numbers, e.g. HQHPTĐTVN in 12/BC-HQHPTĐTVN."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent organisation"),
    )
    administrative_unit = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        verbose_name=_("administrative unit"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    name_key = SortKeyField(max_length=255, editable=False, db_index=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_key"]

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
        return reverse("organizations:detail", args=[self.pk])

    def descendant_ids(self) -> set[int]:
        """This organisation and everything below it, one query per level."""
        return Organization.objects.subtree_ids({self.pk})
