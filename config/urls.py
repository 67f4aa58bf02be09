from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from config.api import api

admin.site.site_header = _("thamvan administration")
admin.site.site_title = _("thamvan")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", include("thamvan.core.urls")),
    path("accounts/", include("thamvan.accounts.urls")),
    path("accounts/mfa/", include("thamvan.accounts.urls_mfa")),
    path("accounts/tokens/", include("thamvan.accounts.urls_tokens")),
    path("people/", include("thamvan.accounts.urls_people")),
    path("organizations/", include("thamvan.organizations.urls")),
    path("experts/", include("thamvan.experts.urls")),
    path("dossiers/", include("thamvan.dossiers.urls")),
    path("consultations/", include("thamvan.consultations.urls")),
    path("invitations/", include("thamvan.consultations.urls_links")),
    path("notifications/", include("thamvan.notifications.urls")),
    path("programme/", include("thamvan.programme.urls")),
    path("workshops/", include("thamvan.events.urls")),
    path("research/", include("thamvan.research.urls")),
    path("dashboard/", include("thamvan.dashboard.urls")),
    path("search/", include("thamvan.search.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin site signs in through the product's login, with its second step.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
    ),
    path("admin/", admin.site.urls),
]
