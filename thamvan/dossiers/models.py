"""Planning dossiers (hồ sơ quy hoạch), their versions and documents.

A dossier is a brief (nhiệm vụ) or a plan (đồ án) registered by a city agency.
Each version has its boundary, a GeoJSON geometry, with the bounding box,
centroid, area and a simplified outline derived from it; the dossier keeps a
copy of its latest version's, so map queries never parse a geometry nor join
the versions. Versions, boundary included, freeze when a consultation cites
them; a revision is a new version.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ProtectedError, Q
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from thamvan.core.locking import Versioned
from thamvan.core.models import TimeStampedModel
from thamvan.dossiers.geometry import BoundaryFacts, boundary_facts
from thamvan.search.normalize import fold, nfc

if TYPE_CHECKING:
    from thamvan.accounts.models import User

VERSION_FROZEN = _(
    "This version is frozen because a consultation cites it; documents cannot be added to "
    "or removed from it. Create a new version for the revision."
)

BOUNDARY_FROZEN = _(
    "Version %(number)s was sent for consultation, so its boundary and area can no longer "
    "change. Create a new version to change them."
)


DOSSIER_KEPT = _(
    "This dossier has a version sent for consultation; it is kept as the record of what "
    "was consulted."
)


class DossierError(ValidationError):
    """A dossier rule was broken; the message is shown to the user as it is."""


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    RESTRICTED = "restricted", _("Restricted")


class DossierQuerySet(models.QuerySet["Dossier"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        kept = self.filter(Q(versions__frozen_at__isnull=False) | Q(consultations__isnull=False))
        if kept.exists():
            raise ProtectedError(str(DOSSIER_KEPT), set(kept.distinct()))
        return super().delete()

    def visible_to(self, user: User) -> DossierQuerySet:
        from thamvan.dossiers.access import dossier_visibility_q

        return self.filter(dossier_visibility_q(user))

    def search(self, text: str) -> DossierQuerySet:
        """Every word of the query, folded, appears in the code, name or description."""
        queryset = self
        for word in fold(nfc(text)).split():
            queryset = queryset.filter(search_key__contains=word)
        return queryset

    def within_bbox(
        self, min_lon: float, min_lat: float, max_lon: float, max_lat: float
    ) -> DossierQuerySet:
        """Dossiers whose bounding box overlaps the given one."""
        return self.filter(
            max_lon__gte=min_lon, min_lon__lte=max_lon, max_lat__gte=min_lat, min_lat__lte=max_lat
        )


class WithBoundary(models.Model):
    """A boundary and what is derived from it, stored beside it for cheap reads.

    A version holds its own; the dossier holds a copy of its latest version's,
    which lists, maps, search and matching read.
    """

    area_ha = models.DecimalField(
        _("area (ha)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    # Denormalised from the boundary: map queries filter and draw with these
    # columns and never parse the full geometry.
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    centroid_lon = models.FloatField(null=True, blank=True, editable=False)
    centroid_lat = models.FloatField(null=True, blank=True, editable=False)
    map_outline = models.JSONField(null=True, blank=True, editable=False)

    DERIVED_FROM_BOUNDARY = (
        "area_ha",
        "min_lon",
        "min_lat",
        "max_lon",
        "max_lat",
        "centroid_lon",
        "centroid_lat",
        "map_outline",
    )
    BOUNDARY_FIELDS = ("boundary", *DERIVED_FROM_BOUNDARY)

    # The boundary whose facts set_boundary() already applied.
    _derived_for: dict[str, Any] | None = None

    class Meta:
        abstract = True

    def set_boundary(self, facts: BoundaryFacts | None) -> None:
        """Set the boundary with facts derived beforehand (``geometry.checked_boundary``).

        save() then computes nothing: it runs in a transaction, which on SQLite
        holds the write lock every other writer, sign-ins included, waits for.
        Without a boundary the area stays as typed.
        """
        if facts is None:
            self.boundary = None
            self.min_lon = self.min_lat = self.max_lon = self.max_lat = None
            self.centroid_lon = self.centroid_lat = None
            self.map_outline = None
        else:
            self.boundary = facts.boundary
            self.area_ha = facts.area_ha
            self.min_lon, self.min_lat, self.max_lon, self.max_lat = facts.bbox
            self.centroid_lon, self.centroid_lat = facts.centroid
            self.map_outline = facts.outline
        self._derived_for = self.boundary

    def copy_boundary(self, source: WithBoundary) -> None:
        """Take the boundary, its facts and the area of another row."""
        for field in self.BOUNDARY_FIELDS:
            setattr(self, field, getattr(source, field))
        self._derived_for = self.boundary

    def same_boundary(self, other: WithBoundary) -> bool:
        return self.boundary == other.boundary and self.area_ha == other.area_ha

    @property
    def has_boundary(self) -> bool:
        return self.boundary is not None


class Dossier(Versioned, WithBoundary, TimeStampedModel):
    class Kind(models.TextChoices):
        # Plans and briefs under Law 47/2024/QH15 on urban and rural planning and
        # Law 40/2019/QH14 on architecture.
        GENERAL_PLAN = "general_plan", _("General plan")
        ZONING_PLAN = "zoning_plan", _("Zoning plan")
        DETAILED_PLAN = "detailed_plan", _("Detailed plan")
        SITE_PLAN = "site_plan", _("Master site plan")
        URBAN_DESIGN = "urban_design", _("Separate urban design")
        ARCHITECTURE_REGULATION = "architecture_regulation", _("Architecture management regulation")
        GENERAL_PLAN_BRIEF = "general_plan_brief", _("General plan brief")
        ZONING_PLAN_BRIEF = "zoning_plan_brief", _("Zoning plan brief")
        DETAILED_PLAN_BRIEF = "detailed_plan_brief", _("Detailed plan brief")
        URBAN_DESIGN_BRIEF = "urban_design_brief", _("Separate urban design brief")
        OTHER = "other", _("Other (research or policy draft)")

    class Stage(models.TextChoices):
        PREPARATION = "preparation", pgettext_lazy("dossier stage", "Preparation")
        CONSULTATION = "consultation", pgettext_lazy("dossier stage", "Consultation")
        APPRAISAL = "appraisal", pgettext_lazy("dossier stage", "Appraisal")
        APPROVAL = "approval", pgettext_lazy("dossier stage", "Approval")
        PUBLICATION = "publication", pgettext_lazy("dossier stage", "Publication")
        ADJUSTMENT = "adjustment", pgettext_lazy("dossier stage", "Adjustment")

    class Scale(models.TextChoices):
        S10000 = "1/10000", "1/10.000"
        S5000 = "1/5000", "1/5.000"
        S2000 = "1/2000", "1/2.000"
        S500 = "1/500", "1/500"
        OTHER = "other", _("Other scale")

    Confidentiality = Confidentiality

    code = models.CharField(
        _("code"), max_length=50, unique=True, help_text=_("A unique code, e.g. QHPK-N9-2026.")
    )
    name = models.CharField(_("name"), max_length=500)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.PREPARATION
    )
    scale = models.CharField(_("scale"), max_length=10, choices=Scale.choices, blank=True)
    scale_note = models.CharField(
        _("other scale"),
        max_length=100,
        blank=True,
        help_text=_("The scale in words when it is not one of the listed ones."),
    )
    communes = models.ManyToManyField(
        "organizations.AdministrativeUnit",
        blank=True,
        related_name="dossiers",
        limit_choices_to={"level": "commune"},
        verbose_name=_("communes and wards"),
    )
    lead_agency = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="led_dossiers",
        verbose_name=_("lead agency"),
    )
    preparing_consultant = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prepared_dossiers",
        verbose_name=_("preparing consultant"),
    )
    investor = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invested_dossiers",
        verbose_name=_("investor"),
    )
    description = models.TextField(_("description"), blank=True)
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=20,
        choices=Confidentiality.choices,
        default=Confidentiality.INTERNAL,
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

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"], name="dossier_bbox"),
            models.Index(fields=["confidentiality", "lead_agency"], name="dossier_access"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(area_ha__isnull=True) | Q(area_ha__gte=0),
                name="dossier_area_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.code = nfc(self.code).strip()
        self.name = nfc(self.name).strip()
        self.description = nfc(self.description)
        self.scale_note = nfc(self.scale_note)
        self.search_key = fold(f"{self.code} {self.name} {self.description}")
        update_fields = kwargs.get("update_fields")
        derives = update_fields is None or bool(
            {"boundary", *self.DERIVED_FROM_BOUNDARY} & set(update_fields)
        )
        if derives:
            self._derive_from_boundary()
        if update_fields is not None:
            extra: set[str] = set()
            if {"code", "name", "description"} & set(update_fields):
                extra.add("search_key")
            if derives:
                extra.update(self.DERIVED_FROM_BOUNDARY)
            kwargs["update_fields"] = {*update_fields, *extra}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("dossiers:detail", args=[self.pk])

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        # Its versions and documents would go with it, frozen ones included.
        if self.versions.filter(frozen_at__isnull=False).exists() or self.consultations.exists():
            raise ProtectedError(str(DOSSIER_KEPT), {self})
        return super().delete(*args, **kwargs)

    def _derive_from_boundary(self) -> None:
        # Saves that set the boundary column directly (fixtures, the shell)
        # derive its facts here; the services derived them before.
        if self.boundary and self.boundary is self._derived_for:
            return
        self.set_boundary(boundary_facts(self.boundary) if self.boundary else None)

    @property
    def scale_display(self) -> str:
        if self.scale == self.Scale.OTHER:
            return self.scale_note or str(self.Scale.OTHER.label)
        return self.get_scale_display() if self.scale else ""


AREA_RANGE_REVERSED = _("The largest usual area must not be smaller than the smallest.")


class AreaRangeQuerySet(models.QuerySet["AreaRange"]):
    def applying(self, kind: str, scale: str, day: date) -> AreaRange | None:
        """The range in force on ``day`` for the kind at this scale, else at any scale."""
        for candidate in (scale, "") if scale else ("",):
            found = (
                self.filter(kind=kind, scale=candidate, valid_from__lte=day)
                .order_by("-valid_from")
                .first()
            )
            if found is not None:
                return found
        return None


class AreaRange(models.Model):
    """Dated configuration: the area usual for a kind of plan at a scale, from a given day on.

    An area outside it is saved with a warning, never refused: a 14,000 ha
    detailed plan at 1/500 is more likely a wrong boundary or scale than a plan.
    """

    valid_from = models.DateField(_("valid from"))
    kind = models.CharField(_("kind"), max_length=30, choices=Dossier.Kind.choices)
    scale = models.CharField(
        _("scale"),
        max_length=10,
        choices=Dossier.Scale.choices,
        blank=True,
        help_text=_("Leave empty for every scale that has no range of its own."),
    )
    min_ha = models.DecimalField(
        _("smallest usual area (ha)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_ha = models.DecimalField(
        _("largest usual area (ha)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)

    objects = AreaRangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("usual area range")
        verbose_name_plural = _("usual area ranges")
        ordering = ["kind", "scale", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "scale", "valid_from"], name="one_area_range_per_day"
            ),
            models.CheckConstraint(
                condition=Q(min_ha__isnull=True)
                | Q(max_ha__isnull=True)
                | Q(min_ha__lte=models.F("max_ha")),
                name="area_range_in_order",
            ),
        ]

    def __str__(self) -> str:
        scale = self.get_scale_display() if self.scale else "*"
        return f"{self.valid_from:%d/%m/%Y}: {self.get_kind_display()}, {scale}"

    def clean(self) -> None:
        if self.min_ha is not None and self.max_ha is not None and self.min_ha > self.max_ha:
            raise ValidationError({"max_ha": AREA_RANGE_REVERSED})


class DossierVersion(Versioned, WithBoundary):
    """A state of the dossier: its documents, boundary and area, frozen once consulted."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="versions", verbose_name=_("dossier")
    )
    number = models.PositiveIntegerField(_("version number"))
    label = models.CharField(
        _("version label"), max_length=255, help_text=_("E.g. “Dossier submitted for appraisal”.")
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("dossier version")
        verbose_name_plural = _("dossier versions")
        ordering = ["dossier", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "number"], name="unique_version_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
            models.CheckConstraint(
                condition=Q(area_ha__isnull=True) | Q(area_ha__gte=0),
                name="version_area_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Version %(number)s · %(label)s") % {
            "number": self.number,
            "label": self.label,
        }

    def save(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "_frozen_when_loaded", False):
            raise DossierError(VERSION_FROZEN, code="frozen")
        self.label = nfc(self.label).strip()
        self.note = nfc(self.note)
        super().save(*args, **kwargs)
        self._frozen_when_loaded = self.frozen_at is not None

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.is_frozen:
            raise DossierError(VERSION_FROZEN, code="frozen")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> DossierVersion:
        instance = super().from_db(db, field_names, values)
        # Remember whether the stored row is frozen: the freezing save itself
        # must pass, every later save must not.
        instance._frozen_when_loaded = instance.__dict__.get("frozen_at") is not None
        return instance

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class DocumentQuerySet(models.QuerySet["Document"]):
    def visible_to(self, user: User) -> DocumentQuerySet:
        from thamvan.dossiers.access import dossier_visibility_q

        # Documents inherit the confidentiality of their dossier.
        return self.filter(dossier_visibility_q(user, prefix="version__dossier__"))


class Document(Versioned, models.Model):
    class Kind(models.TextChoices):
        EXPLANATORY_REPORT = (
            "explanatory_report",
            pgettext_lazy("document kind", "Explanatory report"),
        )
        DRAWING = "drawing", pgettext_lazy("document kind", "Drawing")
        SUBMISSION = "submission", pgettext_lazy("document kind", "Submission")
        DRAFT_DECISION = "draft_decision", pgettext_lazy("document kind", "Draft decision")
        MANAGEMENT_REGULATION = (
            "management_regulation",
            pgettext_lazy("document kind", "Management regulation"),
        )
        LEGAL_DOCUMENT = "legal_document", pgettext_lazy("document kind", "Legal document")
        IMAGE = "image", pgettext_lazy("document kind", "Image")
        OTHER = "other", pgettext_lazy("document kind", "Other")

    version = models.ForeignKey(
        DossierVersion,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("version"),
    )
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # Stored under a generated key; the user's file name is metadata only.
    file = models.FileField(_("file"), max_length=255)
    original_filename = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["version", "kind", "pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if DossierVersion.objects.filter(pk=self.version_id, frozen_at__isnull=False).exists():
            raise DossierError(VERSION_FROZEN, code="frozen")
        self.title = nfc(self.title).strip()
        self.original_filename = nfc(self.original_filename)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if DossierVersion.objects.filter(pk=self.version_id, frozen_at__isnull=False).exists():
            raise DossierError(VERSION_FROZEN, code="frozen")
        return super().delete(*args, **kwargs)

    @property
    def dossier(self) -> Dossier:
        return self.version.dossier

    @property
    def confidentiality(self) -> str:
        return self.version.dossier.confidentiality

    def get_download_url(self) -> str:
        return reverse("dossiers:document_download", args=[self.pk])
