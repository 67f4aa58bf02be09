"""The signed-in user's own resources: ``/me/…``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from config.api_common import responses
from thamvan.core.schemas import TodoItemOut
from thamvan.core.todo import TodoItem, todo_items

router = Router(tags=["me"])


@router.get("/todo", response=responses(list[TodoItemOut], not_found=False))
def my_todo(request: HttpRequest) -> list[TodoItem]:
    """What waits for the user, as on the home page: grouped by kind, each kind by
    deadline (overdue first); ``url`` is the page where it is done."""
    return todo_items(request.user)  # type: ignore[arg-type]
