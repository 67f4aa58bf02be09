from django.urls import path

from thamvan.accounts import views_people

app_name = "people"

urlpatterns = [
    path("", views_people.person_list, name="list"),
    path("new/", views_people.person_create, name="create"),
    path("<int:pk>/", views_people.person_detail, name="detail"),
    path("<int:pk>/edit/", views_people.person_edit, name="edit"),
    path("<int:pk>/invite/", views_people.person_invite, name="invite"),
    path("<int:pk>/deactivate/", views_people.person_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views_people.person_reactivate, name="reactivate"),
    path("<int:pk>/memberships/", views_people.membership_add, name="membership_add"),
    path(
        "<int:pk>/memberships/<int:membership_pk>/",
        views_people.membership_change,
        name="membership_change",
    ),
    path(
        "<int:pk>/memberships/<int:membership_pk>/end/",
        views_people.membership_end,
        name="membership_end",
    ),
]
