from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "thamvan.research"
    verbose_name = _("Research")

    def ready(self) -> None:
        from thamvan.research.indexables import register_indexables

        register_indexables()
