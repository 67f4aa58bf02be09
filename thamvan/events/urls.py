from django.urls import path

from thamvan.events import views

app_name = "events"

urlpatterns = [
    path("", views.workshop_list, name="list"),
    path("calendar/", views.workshop_calendar, name="calendar"),
    path("calendar/me.ics", views.my_calendar_ics, name="my_ics"),
    path("new/", views.workshop_create, name="create"),
    path("<int:pk>/", views.workshop_detail, name="detail"),
    path("<int:pk>/edit/", views.workshop_edit, name="edit"),
    path("<int:pk>/invite/", views.workshop_invite_view, name="invite"),
    path("<int:pk>/send/", views.workshop_send, name="send"),
    path("<int:pk>/cancel/", views.workshop_cancel_view, name="cancel"),
    path("<int:pk>/reply/", views.invitation_reply_view, name="reply"),
    path("<int:pk>/attendance/", views.workshop_attendance, name="attendance"),
    path("<int:pk>/minutes/", views.workshop_minutes, name="minutes"),
    path("<int:pk>/event.ics", views.workshop_ics, name="ics"),
    path("conclusions/<int:pk>/task/", views.conclusion_task, name="conclusion_task"),
]
