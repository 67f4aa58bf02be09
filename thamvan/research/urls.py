from django.urls import path

from thamvan.research import views

app_name = "research"

urlpatterns = [
    path("", views.topic_list, name="list"),
    path("new/", views.topic_create, name="create"),
    path("<int:pk>/", views.topic_detail, name="detail"),
    path("<int:pk>/edit/", views.topic_edit, name="edit"),
    path("<int:pk>/status/", views.topic_transition_view, name="transition"),
    path("<int:pk>/milestones/", views.milestone_create, name="milestone_create"),
    path(
        "<int:pk>/milestones/<int:milestone_pk>/done/",
        views.milestone_complete,
        name="milestone_done",
    ),
    path("<int:pk>/outputs/", views.output_create, name="output_create"),
]
