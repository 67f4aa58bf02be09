from django.urls import path

from thamvan.accounts import views_mfa

app_name = "mfa"

urlpatterns = [
    path("verify/", views_mfa.verify, name="verify"),
    path("enrol/", views_mfa.enrol, name="enrol"),
    path("recovery-codes/", views_mfa.recovery_codes, name="recovery_codes"),
]
