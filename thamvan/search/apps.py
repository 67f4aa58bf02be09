from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "thamvan.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from thamvan.search.indexables import register_builtin

        register_builtin()
