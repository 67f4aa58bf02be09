"""The search index: one row per indexed object, whatever its app.

The Django model holds what results, snippets and facets show; the matching
keys live beside it in a vendor-specific table created by migration 0002
(an FTS5 table on SQLite, tsvector columns with GIN indexes on PostgreSQL),
written and queried by ``thamvan.search.backends``.

Results are found newest first in the order of ``rank`` (the object's date,
then id, as one integer), so a page of results never needs every match.

Who may see an entry is not stored here: queries filter entries through the
owning app's ``visible_to(user)``, so a change of confidentiality or panel
membership takes effect at once, without reindexing.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    type = models.CharField(_("type"), max_length=40)
    object_id = models.BigIntegerField(_("object id"))
    title = models.CharField(_("title"), max_length=500)
    # Display text for snippets, as entered (NFC); the keys are derived from it.
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("address"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=60, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("organisation"),
    )
    communes = models.ManyToManyField(
        "organizations.AdministrativeUnit",
        blank=True,
        related_name="+",
        verbose_name=_("communes and wards"),
    )
    # Shown as a badge; access itself is decided by the owning app.
    confidentiality = models.CharField(_("confidentiality"), max_length=20, blank=True)
    # The object's own date: the tie-break between equally good matches.
    dated_at = models.DateTimeField(_("date"))
    # The recency order as one unique integer (``indexing.rank_key``): the key
    # tables are walked in this order, newest first, and stop at the page's end.
    rank = models.BigIntegerField(_("recency key"), null=True, blank=True, unique=True)
    indexed_at = models.DateTimeField(_("indexed at"), auto_now=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["type", "object_id"], name="unique_search_entry")
        ]
        indexes = [models.Index(fields=["dated_at"], name="search_entry_dated")]

    def __str__(self) -> str:
        return f"{self.type} #{self.object_id} · {self.title}"
