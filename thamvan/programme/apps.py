from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "thamvan.programme"
    verbose_name = _("Programme")

    def ready(self) -> None:
        from thamvan.programme.indexables import register_indexables

        register_indexables()
