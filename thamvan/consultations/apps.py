from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "thamvan.consultations"
    verbose_name = _("Consultations")

    def ready(self) -> None:
        from thamvan.consultations.indexables import register_consultations

        register_consultations()
