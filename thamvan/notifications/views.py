from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from thamvan.core.http import AuthedRequest
from thamvan.core.pagination import paginate
from thamvan.notifications.models import Notification
from thamvan.notifications.services import notification_mark_read, notifications_mark_all_read


@login_required
@require_GET
def notification_list(request: AuthedRequest) -> TemplateResponse:
    notifications = Notification.objects.filter(recipient=request.user)
    if request.GET.get("unread") == "1":
        notifications = notifications.unread()
    context = {
        "page_obj": paginate(request, notifications),
        "unread_count": Notification.objects.filter(recipient=request.user).unread().count(),
        "only_unread": request.GET.get("unread") == "1",
        "query_string": "unread=1" if request.GET.get("unread") == "1" else "",
    }
    template = "notifications/list.html#results" if request.htmx else "notifications/list.html"
    return TemplateResponse(request, template, context)


@login_required
@require_POST
def notification_read(request: AuthedRequest, pk: int) -> HttpResponse:
    notification = Notification.objects.filter(recipient=request.user, pk=pk).first()
    if notification is None:
        raise Http404
    notification_mark_read(actor=request.user, notification=notification)
    target = notification.url
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: AuthedRequest) -> HttpResponse:
    count = notifications_mark_all_read(actor=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)s notification marked as read.",
            "%(count)s notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("notifications:list")


@login_required
@require_GET
def unread_badge(request: AuthedRequest) -> TemplateResponse:
    """A small fragment for the navigation: the unread count."""
    count = Notification.objects.filter(recipient=request.user).unread().count()
    return TemplateResponse(request, "notifications/badge.html", {"unread_count": count})
