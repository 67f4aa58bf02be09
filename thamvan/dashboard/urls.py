from django.urls import path

from thamvan.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("export.xlsx", views.dashboard_export, name="export"),
]
