from django.urls import path

from thamvan.dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("map/", views.dossier_map, name="map"),
    path("map/data.json", views.dossier_map_data, name="map_data"),
    path("pick/", views.dossier_pick, name="pick"),
    path("new/", views.dossier_create, name="create"),
    path("<int:pk>/", views.dossier_detail, name="detail"),
    path("<int:pk>/edit/", views.dossier_edit, name="edit"),
    path("<int:pk>/versions/new/", views.version_create, name="version_create"),
    path("<int:pk>/versions/<int:number>/", views.version_detail, name="version_detail"),
    path(
        "<int:pk>/versions/<int:number>/documents/new/",
        views.document_upload,
        name="document_upload",
    ),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
    path("documents/<int:pk>/remove/", views.document_remove, name="document_remove"),
]
