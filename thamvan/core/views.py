from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from thamvan.core.http import AuthedRequest
from thamvan.core.todo import TodoUrgency, todo_groups
from thamvan.dashboard.todo import leadership_summary


@login_required
def home(request: AuthedRequest) -> TemplateResponse:
    """What waits for the user, grouped and by deadline; leadership's figures."""
    user = request.user
    groups = todo_groups(user)
    return TemplateResponse(
        request,
        "core/home.html",
        {
            "roles": user.roles,
            "todo": groups,
            "todo_count": sum(len(group.items) for group in groups),
            "overdue_count": sum(
                1 for group in groups for item in group.items if item.urgency == TodoUrgency.OVERDUE
            ),
            "summary": leadership_summary(user),
        },
    )


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
