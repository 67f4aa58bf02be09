from django.urls import path

from thamvan.programme.views import directives, programmes, tasks

app_name = "programme"

urlpatterns = [
    path("", programmes.programme_list, name="list"),
    path("new/", programmes.programme_create, name="create"),
    path("<int:pk>/", programmes.programme_detail, name="detail"),
    path("<int:pk>/edit/", programmes.programme_edit, name="edit"),
    path("<int:pk>/timeline/", programmes.programme_timeline, name="timeline"),
    path("<int:pk>/tasks.xlsx", programmes.programme_export, name="export"),
    path("<int:pk>/import/", programmes.programme_import, name="import"),
    path("<int:programme_pk>/tasks/new/", tasks.task_create_view, name="task_create"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", tasks.task_edit, name="task_edit"),
    path("tasks/<int:pk>/status/", tasks.task_status, name="task_status"),
    path("tasks/<int:pk>/report/", tasks.report_create, name="report_create"),
    path("reports/<int:pk>/attachment/", tasks.report_attachment, name="report_attachment"),
    path("directives/", directives.directive_list, name="directive_list"),
    path("directives/new/", directives.directive_create, name="directive_create"),
    path("directives/<int:pk>/", directives.directive_detail, name="directive_detail"),
    path("directives/<int:pk>/edit/", directives.directive_edit, name="directive_edit"),
    path(
        "directives/<int:pk>/attachment/",
        directives.directive_attachment,
        name="directive_attachment",
    ),
    path(
        "directives/<int:pk>/conclusions/", directives.conclusion_create, name="conclusion_create"
    ),
    path(
        "conclusions/<int:pk>/assign/", directives.conclusion_assign_view, name="conclusion_assign"
    ),
]
