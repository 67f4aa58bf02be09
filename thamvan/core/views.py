from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from thamvan.core.http import AuthedRequest


@login_required
def home(request: AuthedRequest) -> TemplateResponse:
    return TemplateResponse(request, "core/home.html", {"roles": request.user.roles})


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
