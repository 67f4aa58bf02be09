"""The expert registry: who the association can call on, what they know, where they work.

Affiliations and unavailable periods are dated so that panel formation can ask
"who was employed by this consultant in the last two years" and "who is free
during this review" without any other bookkeeping.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Collate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from thamvan.accounts.models import Role
from thamvan.core.fields import SortKeyField
from thamvan.core.locking import Versioned
from thamvan.core.models import TimeStampedModel
from thamvan.search.normalize import fold, nfc, slugify_vi, sort_key

if TYPE_CHECKING:
    from collections.abc import Iterable

    from thamvan.accounts.models import User
    from thamvan.dossiers.models import Dossier

MIN_CONCURRENT_CONSULTATIONS = 1
MAX_CONCURRENT_CONSULTATIONS = 20
DEFAULT_CONCURRENT_CONSULTATIONS = 3


def senior_ranks() -> tuple[str, ...]:
    """Academic ranks that count as senior for panel composition (configuration)."""
    return tuple(getattr(settings, "EXPERT_SENIOR_RANKS", ("GS", "PGS")))


def registry_readers_roles() -> tuple[str, ...]:
    return (Role.ADMIN, Role.SECRETARIAT, Role.LEADERSHIP)


class SpecialtyQuerySet(models.QuerySet["Specialty"]):
    def active(self) -> SpecialtyQuerySet:
        return self.filter(is_active=True)


class Specialty(Versioned, models.Model):
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(
        _("slug"),
        max_length=150,
        unique=True,
        blank=True,
        help_text=_(
            "Stable identifier used by matching and exports; made from the name when left empty."
        ),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive specialties stay on existing experts but cannot be chosen anew."),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=100)
    name_key = SortKeyField(max_length=150, editable=False, unique=True)

    objects = SpecialtyQuerySet.as_manager()

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["display_order", "name_key"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = nfc(self.name).strip()
        self.description = nfc(self.description)
        self.name_key = fold(self.name)
        if not self.slug:
            self.slug = slugify_vi(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)


class AcademicRank(models.TextChoices):
    NONE = "", _("No academic rank")
    PROFESSOR = "GS", _("Professor (GS.)")
    ASSOCIATE_PROFESSOR = "PGS", _("Associate professor (PGS.)")


class Degree(models.TextChoices):
    NONE = "", _("No degree or title")
    DOCTOR_OF_SCIENCE = "TSKH", _("Doctor of Science (TSKH.)")
    DOCTOR = "TS", _("Doctor (TS.)")
    MASTER = "ThS", _("Master (ThS.)")
    ARCHITECT = "KTS", _("Architect (KTS.)")
    ENGINEER = "KS", _("Engineer (KS.)")
    BACHELOR = "CN", _("Bachelor (CN.)")


def _today() -> date:
    return timezone.localdate()


class ExpertQuerySet(models.QuerySet["Expert"]):
    def visible_to(self, user: User) -> ExpertQuerySet:
        """Registry readers see everyone; an expert sees only their own profile."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_role(*registry_readers_roles()):
            return self
        return self.filter(user=user)

    def active(self) -> ExpertQuerySet:
        return self.filter(is_active=True)

    def senior(self) -> ExpertQuerySet:
        return self.filter(academic_rank__in=senior_ranks())

    def search(self, text: str) -> ExpertQuerySet:
        """Every word of the query, folded, must occur in the name, keywords or number."""
        queryset = self
        for word in fold(text).split():
            queryset = queryset.filter(search_key__contains=word)
        return queryset

    def by_given_name(self) -> ExpertQuerySet:
        # Sort keys compare by code point; linguistic collations would skip the
        # spaces that separate the given name from the rest.
        if connections[self.db].vendor == "postgresql":
            return self.order_by(Collate("sort_key", "C"), "pk")
        return self.order_by("sort_key", "pk")

    def with_specialty(self, specialty: Specialty | int) -> ExpertQuerySet:
        return self.filter(
            Exists(ExpertSpecialty.objects.filter(expert=OuterRef("pk"), specialty=specialty))
        )

    def currently_at(self, organization: Any, on: date | None = None) -> ExpertQuerySet:
        """Experts with an affiliation to ``organization`` that is current on the day."""
        return self.filter(
            Exists(
                Affiliation.objects.current(on).filter(
                    expert=OuterRef("pk"), organization=organization
                )
            )
        )

    def available_on(self, day: date) -> ExpertQuerySet:
        return self.available_between(day, day)

    def unavailable_on(self, day: date) -> ExpertQuerySet:
        return self.filter(
            Exists(UnavailablePeriod.objects.overlapping(day, day).filter(expert=OuterRef("pk")))
        )

    def available_between(self, start: date, end: date) -> ExpertQuerySet:
        """Experts with no unavailable period overlapping [start, end]."""
        return self.exclude(
            Exists(UnavailablePeriod.objects.overlapping(start, end).filter(expert=OuterRef("pk")))
        )

    def for_list(self, on: date | None = None) -> ExpertQuerySet:
        """Everything a registry row or an export line shows, in a fixed number of queries."""
        day = on or _today()
        return (
            self.select_related("home_organization", "user")
            .prefetch_related(
                Prefetch(
                    "expert_specialties",
                    queryset=ExpertSpecialty.objects.select_related("specialty"),
                ),
                Prefetch(
                    "affiliations",
                    queryset=Affiliation.objects.current(day).select_related("organization"),
                    to_attr="current_affiliation_list",
                ),
            )
            .annotate(
                unavailable_today=Exists(
                    UnavailablePeriod.objects.overlapping(day, day).filter(expert=OuterRef("pk"))
                )
            )
        )

    def affiliated_organization_ids(self, on: date, window_days: int) -> dict[int, set[int]]:
        """For each expert in the queryset, organisations affiliated on the day or recently.

        One query whatever the number of experts; experts without any such
        affiliation are absent from the result.
        """
        result: dict[int, set[int]] = {}
        rows = Affiliation.objects.relevant(on, window_days).filter(expert__in=self.values("pk"))
        for expert_id, organization_id in rows.values_list("expert_id", "organization_id"):
            result.setdefault(expert_id, set()).add(organization_id)
        return result


class Expert(Versioned, TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_profile",
        verbose_name=_("user account"),
        help_text=_("Invited specialists may have no account."),
    )
    full_name = models.CharField(_("full name"), max_length=150)
    academic_rank = models.CharField(
        _("academic rank"), max_length=5, choices=AcademicRank.choices, blank=True
    )
    degree = models.CharField(
        _("degree or professional title"), max_length=5, choices=Degree.choices, blank=True
    )
    specialties: models.ManyToManyField[Specialty, ExpertSpecialty] = models.ManyToManyField(
        Specialty,
        through="ExpertSpecialty",
        related_name="experts",
        verbose_name=_("specialties"),
        blank=True,
    )
    membership_number = models.CharField(_("membership number"), max_length=30, blank=True)
    home_organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="member_experts",
        verbose_name=_("membership organisation"),
        help_text=_("The association or branch the expert is a member of."),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    max_concurrent_consultations = models.PositiveSmallIntegerField(
        _("maximum concurrent consultations"),
        default=DEFAULT_CONCURRENT_CONSULTATIONS,
        validators=[
            MinValueValidator(MIN_CONCURRENT_CONSULTATIONS),
            MaxValueValidator(MAX_CONCURRENT_CONSULTATIONS),
        ],
    )
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("Fields of work, separated by commas."),
    )
    biography = models.TextField(_("biography"), blank=True)
    publications = models.TextField(
        _("publications"), blank=True, help_text=_("One publication per line.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_key = SortKeyField(max_length=320, editable=False, db_index=True)
    search_key = models.TextField(editable=False, blank=True)

    objects = ExpertQuerySet.as_manager()

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["sort_key", "pk"]
        # The registry lists active experts by name: without it, SQLite counts
        # the page total by reading every whole row.
        indexes = [models.Index(fields=["is_active", "sort_key"], name="expert_active_sort")]
        constraints = [
            models.UniqueConstraint(
                fields=["membership_number"],
                condition=~Q(membership_number=""),
                name="experts_unique_membership_number",
                violation_error_message=_("An expert with this membership number already exists."),
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=~Q(email=""),
                name="experts_unique_email",
                violation_error_message=_("An expert with this email address already exists."),
            ),
            models.CheckConstraint(
                condition=Q(
                    max_concurrent_consultations__gte=MIN_CONCURRENT_CONSULTATIONS,
                    max_concurrent_consultations__lte=MAX_CONCURRENT_CONSULTATIONS,
                ),
                name="experts_concurrent_consultations_range",
                violation_error_message=_(
                    "The maximum number of concurrent consultations must be from 1 to 20."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.titled_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.full_name = nfc(self.full_name).strip()
        self.membership_number = nfc(self.membership_number).strip()
        self.email = self.email.strip().lower()
        self.phone = nfc(self.phone).strip()
        self.keywords = nfc(self.keywords).strip()
        self.biography = nfc(self.biography)
        self.publications = nfc(self.publications)
        self.sort_key = sort_key(self.full_name)
        self.search_key = self.compute_search_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"full_name", "keywords", "membership_number"} & set(
            update_fields
        ):
            kwargs["update_fields"] = {*update_fields, "sort_key", "search_key"}
        super().save(*args, **kwargs)

    def compute_search_key(self) -> str:
        return fold(
            " ".join(p for p in (self.full_name, self.keywords, self.membership_number) if p)
        )

    def get_absolute_url(self) -> str:
        return reverse("experts:detail", args=[self.pk])

    @property
    def titles(self) -> str:
        """The abbreviated titles written before the name: "PGS.TS", "KTS", ""."""
        return ".".join(part for part in (self.academic_rank, self.degree) if part)

    @property
    def titled_name(self) -> str:
        """The name as Vietnamese documents write it: "PGS.TS. Nguyễn Văn A"."""
        return f"{self.titles}. {self.full_name}" if self.titles else self.full_name

    @property
    def is_senior(self) -> bool:
        return bool(self.academic_rank) and self.academic_rank in senior_ranks()

    @property
    def ordered_specialties(self) -> list[Specialty]:
        """Primary specialty first, then the taxonomy's order; uses a prefetch when present."""
        links = sorted(
            self.expert_specialties.all(),
            key=lambda link: (
                not link.is_primary,
                link.specialty.display_order,
                link.specialty.name_key,
            ),
        )
        return [link.specialty for link in links]

    @property
    def primary_specialty(self) -> Specialty | None:
        for link in self.expert_specialties.all():
            if link.is_primary:
                return link.specialty
        return None

    def current_affiliations(self, on: date | None = None) -> list[Affiliation]:
        prefetched: list[Affiliation] | None = getattr(self, "current_affiliation_list", None)
        if on is None and prefetched is not None:
            return prefetched
        return list(self.affiliations.current(on).select_related("organization"))

    def affiliated_organization_ids(self, on: date, window_days: int) -> set[int]:
        """Organisations the expert works for on the day or left within ``window_days``."""
        return set(
            self.affiliations.relevant(on, window_days).values_list("organization_id", flat=True)
        )

    @property
    def is_available_today(self) -> bool:
        annotated: bool | None = getattr(self, "unavailable_today", None)
        if annotated is not None:
            return not annotated
        return self.is_available(_today())

    def is_available(self, start: date, end: date | None = None) -> bool:
        """True when no unavailable period overlaps [start, end] (a single day if no end)."""
        return not self.unavailable_periods.overlapping(start, end or start).exists()


class ExpertSpecialty(models.Model):
    expert = models.ForeignKey(
        Expert,
        on_delete=models.CASCADE,
        related_name="expert_specialties",
        verbose_name=_("expert"),
    )
    specialty = models.ForeignKey(
        Specialty,
        on_delete=models.PROTECT,
        related_name="expert_links",
        verbose_name=_("specialty"),
    )
    is_primary = models.BooleanField(_("primary specialty"), default=False)

    class Meta:
        verbose_name = _("expert specialty")
        verbose_name_plural = _("expert specialties")
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "specialty"], name="experts_unique_expert_specialty"
            ),
            models.UniqueConstraint(
                fields=["expert"],
                condition=Q(is_primary=True),
                name="experts_one_primary_specialty",
                violation_error_message=_("Only one specialty can be primary."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.specialty}"


class AffiliationQuerySet(models.QuerySet["Affiliation"]):
    def current(self, on: date | None = None) -> AffiliationQuerySet:
        """Affiliations that have started and not ended on the day (today by default)."""
        day = on or _today()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)

    def relevant(self, on: date, window_days: int) -> AffiliationQuerySet:
        """Current on the day, or ended at most ``window_days`` before it."""
        since = on - timedelta(days=window_days)
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=since), start_date__lte=on)


class Affiliation(Versioned, models.Model):
    expert = models.ForeignKey(
        Expert, on_delete=models.CASCADE, related_name="affiliations", verbose_name=_("expert")
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="expert_affiliations",
        verbose_name=_("organisation"),
    )
    position = models.CharField(_("position"), max_length=150, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Leave empty while still working there.")
    )

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="experts_affiliation_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.organization}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.position = nfc(self.position).strip()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})

    @property
    def is_current(self) -> bool:
        today = _today()
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)


class UnavailablePeriodQuerySet(models.QuerySet["UnavailablePeriod"]):
    def overlapping(self, start: date, end: date) -> UnavailablePeriodQuerySet:
        return self.filter(start_date__lte=end, end_date__gte=start)


class UnavailablePeriod(Versioned, models.Model):
    expert = models.ForeignKey(
        Expert,
        on_delete=models.CASCADE,
        related_name="unavailable_periods",
        verbose_name=_("expert"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    objects = UnavailablePeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("unavailable period")
        verbose_name_plural = _("unavailable periods")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="experts_unavailable_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.start_date:%d/%m/%Y}–{self.end_date:%d/%m/%Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.reason = nfc(self.reason).strip()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})


CONFLICT_END_BEFORE_START = _("The end date cannot be before the start date.")
CONFLICT_NOT_FOR_KIND = _("Leave this empty for this kind of conflict.")
CONFLICT_CHOOSE_ORGANIZATION = _("Choose the organisation.")
CONFLICT_NAME_PROJECT = _("Enter the project's name or choose its dossier.")
CONFLICT_NAME_PERSON = _("Enter the person's name or choose them in the registry.")
CONFLICT_NOT_ONESELF = _("Choose someone other than the expert declaring.")


class ConflictDeclarationQuerySet(models.QuerySet["ConflictDeclaration"]):
    def in_force(self) -> ConflictDeclarationQuerySet:
        """Not withdrawn (a withdrawn declaration stays on record, matching ignores it)."""
        return self.filter(withdrawn_at__isnull=True)

    def overlapping(self, start: date, end: date) -> ConflictDeclarationQuerySet:
        """Declared for a period that reaches into [start, end]; no end date is open-ended."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=start), start_date__lte=end)

    def concerning_panel(
        self,
        *,
        dossier: Dossier,
        party_ids: Iterable[int],
        seated: models.QuerySet[Any],
        since: date,
        until: date,
        expert_ids: Iterable[int] | None = None,
    ) -> ConflictDeclarationQuerySet:
        """In force for a period reaching into [since, until], and naming a party to the
        dossier (``party_ids``), the dossier itself (linked, or by folded name or code), or
        a person when one of the two is seated on the panel.

        ``seated`` holds rows with an ``expert_id``: the panel's pending and accepted
        invitations; each declaration says which of the two is seated as
        ``declarer_seated`` and ``named_seated``. With ``expert_ids``, only declarations
        about those experts: their own, and those of seated experts naming them. One query.
        """
        titles = {fold(dossier.name), fold(dossier.code)} - {""}
        own = (
            Q(kind=ConflictDeclaration.Kind.ORGANIZATION, organization_id__in=list(party_ids))
            | Q(kind=ConflictDeclaration.Kind.PROJECT, dossier_id=dossier.pk)
            | Q(kind=ConflictDeclaration.Kind.PROJECT, name_key__in=sorted(titles))
            | Q(kind=ConflictDeclaration.Kind.PERSON, named_seated=True)
        )
        named_by_seated = Q(
            kind=ConflictDeclaration.Kind.PERSON, declarer_seated=True, other_expert__isnull=False
        )
        if expert_ids is not None:
            ids = list(expert_ids)
            own &= Q(expert_id__in=ids)
            named_by_seated &= Q(other_expert_id__in=ids)
        return (
            self.in_force()
            .overlapping(since, until)
            .annotate(
                declarer_seated=Exists(seated.filter(expert_id=OuterRef("expert_id"))),
                named_seated=Exists(seated.filter(expert_id=OuterRef("other_expert_id"))),
            )
            .filter(own | named_by_seated)
        )

    def for_profile(self) -> ConflictDeclarationQuerySet:
        """What a profile lists, in one query: those in force first, the latest first."""
        return self.select_related(
            "organization", "dossier", "other_expert", "declared_by", "withdrawn_by"
        ).order_by(models.F("withdrawn_at").desc(nulls_first=True), "-start_date", "-pk")


class ConflictDeclaration(models.Model):
    """An expert's own statement of a conflict of interest, for a period.

    Matching keeps the expert off a panel when the period reaches into the
    conflict-of-interest window and the declaration names a party to the
    dossier, the dossier itself, or someone on the same panel. An expert
    withdraws a declaration rather than deleting it, so the record stays.
    """

    class Kind(models.TextChoices):
        ORGANIZATION = "organization", pgettext_lazy("conflict", "An organisation")
        PROJECT = "project", pgettext_lazy("conflict", "A project")
        PERSON = "person", pgettext_lazy("conflict", "A person")

    expert = models.ForeignKey(
        Expert,
        on_delete=models.CASCADE,
        related_name="conflict_declarations",
        verbose_name=_("expert"),
    )
    kind = models.CharField(_("conflict with"), max_length=12, choices=Kind.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dossier"),
        help_text=_(
            "When the project is a dossier in thamvan; a name alone also matches a dossier "
            "of that name or code."
        ),
    )
    other_expert = models.ForeignKey(
        Expert,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conflicts_declared_with",
        verbose_name=_("expert in the registry"),
        help_text=_(
            "When the person is in the registry: matching then never seats the two on one panel."
        ),
    )
    name = models.CharField(
        _("name of the project or person"),
        max_length=255,
        blank=True,
        help_text=_("Filled in from the dossier or the expert chosen when left empty."),
    )
    # The folded name: a project declared by name matches a dossier by its name or code.
    name_key = models.CharField(max_length=255, editable=False, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Leave empty while it lasts.")
    )
    reason = models.CharField(_("reason"), max_length=500)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("declared by"),
    )
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )

    objects = ConflictDeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        ordering = ["expert", "-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="experts_conflict_dates_ordered",
                violation_error_message=CONFLICT_END_BEFORE_START,
            ),
            # Exactly what the kind needs: an organisation, or a named project or person.
            models.CheckConstraint(
                condition=Q(
                    kind="organization",
                    organization__isnull=False,
                    dossier__isnull=True,
                    other_expert__isnull=True,
                    name="",
                )
                | (
                    Q(kind="project", organization__isnull=True, other_expert__isnull=True)
                    & ~Q(name="")
                )
                | (Q(kind="person", organization__isnull=True, dossier__isnull=True) & ~Q(name="")),
                name="experts_conflict_fields_of_kind",
            ),
            models.CheckConstraint(
                condition=Q(other_expert__isnull=True) | ~Q(other_expert=models.F("expert")),
                name="experts_conflict_not_oneself",
                violation_error_message=CONFLICT_NOT_ONESELF,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.counterpart}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.reason = nfc(self.reason).strip()
        self._name_from_link()
        super().save(*args, **kwargs)

    def _name_from_link(self) -> None:
        # The statement reads by itself, and survives the dossier or expert it links.
        self.name = nfc(self.name).strip()
        if not self.name:
            if self.kind == self.Kind.PROJECT and self.dossier is not None:
                self.name = self.dossier.name[:255]
            elif self.kind == self.Kind.PERSON and self.other_expert is not None:
                self.name = self.other_expert.full_name
        self.name_key = fold(self.name)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        self.name = nfc(self.name).strip()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = CONFLICT_END_BEFORE_START
        given = {
            "organization": self.organization_id is not None,
            "dossier": self.dossier_id is not None,
            "other_expert": self.other_expert_id is not None,
            "name": bool(self.name),
        }
        fields_of_kind: dict[str, set[str]] = {
            self.Kind.ORGANIZATION: {"organization"},
            self.Kind.PROJECT: {"dossier", "name"},
            self.Kind.PERSON: {"other_expert", "name"},
        }
        allowed = fields_of_kind.get(self.kind, set())
        for field, present in given.items():
            if present and field not in allowed:
                errors[field] = CONFLICT_NOT_FOR_KIND
        if self.kind == self.Kind.ORGANIZATION and not given["organization"]:
            errors["organization"] = CONFLICT_CHOOSE_ORGANIZATION
        elif self.kind == self.Kind.PROJECT and not (given["name"] or given["dossier"]):
            errors["name"] = CONFLICT_NAME_PROJECT
        elif self.kind == self.Kind.PERSON and not (given["name"] or given["other_expert"]):
            errors["name"] = CONFLICT_NAME_PERSON
        if given["other_expert"] and self.other_expert_id == self.expert_id:
            errors["other_expert"] = CONFLICT_NOT_ONESELF
        if errors:
            raise ValidationError(errors)
        self._name_from_link()

    @property
    def counterpart(self) -> str:
        """Who or what the conflict is with, as the profile and matching name it."""
        if self.kind == self.Kind.ORGANIZATION and self.organization is not None:
            return self.organization.name
        if self.kind == self.Kind.PERSON and self.other_expert is not None:
            return self.other_expert.titled_name
        return self.name

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def has_ended(self) -> bool:
        return self.end_date is not None and self.end_date < _today()


class ExpertImportQuerySet(models.QuerySet["ExpertImport"]):
    def visible_to(self, user: User) -> ExpertImportQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_role(Role.ADMIN, Role.SECRETARIAT):
            return self
        return self.none()

    def expired(self, now: Any = None) -> ExpertImportQuerySet:
        """Imports whose kept file is past its retention."""
        cutoff = (now or timezone.now()) - ExpertImport.FILE_RETENTION
        return self.filter(created_at__lt=cutoff).exclude(file_key="")


class ExpertImport(models.Model):
    """One uploaded registry file, kept between its preview and its commit."""

    FILE_RETENTION = timedelta(hours=24)

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Awaiting confirmation")
        QUEUED = "queued", _("Importing")
        COMMITTED = "committed", _("Imported")
        FAILED = "failed", _("Not imported")
        EXPIRED = "expired", _("Expired")

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PREVIEWED
    )
    file_key = models.CharField(_("storage key"), max_length=255, blank=True)
    original_filename = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("file type"), max_length=10)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_to_create = models.PositiveIntegerField(_("rows to create"), default=0)
    rows_to_update = models.PositiveIntegerField(_("rows to update"), default=0)
    rows_with_errors = models.PositiveIntegerField(_("rows with errors"), default=0)
    file_error = models.TextField(_("file error"), blank=True)
    preview = models.JSONField(_("preview"), default=list, blank=True)
    ignored_headers = models.JSONField(_("ignored columns"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ExpertImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("expert import")
        verbose_name_plural = _("expert imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.created_at:%d/%m/%Y %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("experts:import_preview", args=[self.pk])

    @property
    def can_commit(self) -> bool:
        return (
            self.status == self.Status.PREVIEWED
            and bool(self.file_key)
            and not self.file_error
            and self.rows_with_errors == 0
            and self.rows_total > 0
        )
