from django.urls import path

from thamvan.events.views import guests, pickers, workshops

app_name = "events"

urlpatterns = [
    path("", workshops.workshop_list, name="list"),
    path("calendar/", workshops.workshop_calendar, name="calendar"),
    path("calendar/me.ics", workshops.my_calendar_ics, name="my_ics"),
    path("new/", workshops.workshop_create, name="create"),
    path("pick/invitees/", pickers.invitee_pick, name="pick_invitees"),
    path("<int:pk>/", workshops.workshop_detail, name="detail"),
    path("<int:pk>/edit/", workshops.workshop_edit, name="edit"),
    path("<int:pk>/invite/", workshops.workshop_invite_view, name="invite"),
    path("<int:pk>/guests/", guests.guest_invite, name="guest_invite"),
    path("<int:pk>/guests/<int:invitation_pk>/remove/", guests.guest_remove, name="guest_remove"),
    path("<int:pk>/guests/<int:invitation_pk>/resend/", guests.guest_resend, name="guest_resend"),
    path("<int:pk>/send/", workshops.workshop_send, name="send"),
    path("<int:pk>/cancel/", workshops.workshop_cancel_view, name="cancel"),
    path("<int:pk>/reply/", workshops.invitation_reply_view, name="reply"),
    path("<int:pk>/attendance/", workshops.workshop_attendance, name="attendance"),
    path("<int:pk>/minutes/", workshops.workshop_minutes, name="minutes"),
    path("<int:pk>/event.ics", workshops.workshop_ics, name="ics"),
    path("conclusions/<int:pk>/task/", workshops.conclusion_task, name="conclusion_task"),
    # A guest's personal link: no account, the token is the key.
    path("guest/<str:token>/", guests.guest_page, name="guest"),
    path("guest/<str:token>/event.ics", guests.guest_ics, name="guest_ics"),
]
