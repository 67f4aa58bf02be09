from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "thamvan.events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from thamvan.events.indexables import register_indexables

        register_indexables()
