"""Personal invitation links, opened without signing in (``views.links``)."""

from django.urls import path

from thamvan.consultations.views import links

app_name = "invitation_links"

urlpatterns = [
    path("<str:token>/", links.link_open, name="open"),
]
