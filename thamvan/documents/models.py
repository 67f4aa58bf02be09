"""Generated consultation documents, stored with their checksum."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class GeneratedDocument(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("Synthesis report (DOCX)")
        RESPONSE_TABLE = "response_table", _("Response table (DOCX)")
        ITEMS = "items", _("All opinion items (XLSX)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Being generated")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    consultation = models.ForeignKey(
        "consultations.Consultation",
        on_delete=models.CASCADE,
        related_name="generated_documents",
        verbose_name=_("consultation"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(_("file"), max_length=255, blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        ordering = ["consultation", "kind", "-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename or self.get_kind_display()

    def get_download_url(self) -> str:
        return reverse("consultations:document_download", args=[self.consultation_id, self.pk])

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY
