"""What waits for a user: the home page's to-do list and ``GET /api/v1/me/todo``.

Each app declares its own work in ``thamvan/<app>/todo.py``: ``KINDS``, the groups it
fills in the order the page shows them, and ``items(user) -> list[TodoItem]``, which
reads through the app's ``visible_to`` QuerySets and access rules in a fixed number of
queries, however many items wait. ``PROVIDERS`` names those modules; core imports them by
name so that it depends on no app (as ``config.api.ROUTERS`` does for the API).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from importlib import import_module
from typing import TYPE_CHECKING

from django.utils import timezone
from django_stubs_ext import StrPromise

if TYPE_CHECKING:
    from thamvan.accounts.models import User

PROVIDERS = [
    "thamvan.consultations.todo",
    "thamvan.programme.todo",
    "thamvan.events.todo",
]

# An item due within this many days is marked as due soon.
SOON_DAYS = 3


class TodoUrgency(StrEnum):
    OVERDUE = "overdue"
    SOON = "soon"
    LATER = "later"


@dataclass(frozen=True)
class Kind:
    """A group of the list: ``key`` for the API, ``label`` for its heading."""

    key: str
    label: StrPromise


@dataclass(frozen=True)
class TodoItem:
    kind: Kind
    title: str
    action: StrPromise | str
    deadline: date | None
    url: str
    urgency: TodoUrgency = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "urgency", urgency_of(self.deadline, timezone.localdate()))


@dataclass
class TodoGroup:
    kind: Kind
    items: list[TodoItem]


def urgency_of(deadline: date | None, today: date) -> TodoUrgency:
    if deadline is None or deadline > today + timedelta(days=SOON_DAYS):
        return TodoUrgency.LATER
    return TodoUrgency.OVERDUE if deadline < today else TodoUrgency.SOON


def _by_deadline(item: TodoItem) -> tuple[bool, date, str]:
    # The earliest deadline first, so overdue items lead; items without one last.
    return (item.deadline is None, item.deadline or date.max, item.title)


def todo_groups(user: User) -> list[TodoGroup]:
    """The user's waiting work, grouped by kind in the providers' order, each group
    sorted by deadline; kinds with nothing waiting are left out."""
    groups: list[TodoGroup] = []
    for dotted in PROVIDERS:
        provider = import_module(dotted)
        items = provider.items(user)
        for kind in provider.KINDS:
            waiting = sorted((item for item in items if item.kind == kind), key=_by_deadline)
            if waiting:
                groups.append(TodoGroup(kind, waiting))
    return groups


def todo_items(user: User) -> list[TodoItem]:
    """The same items as ``todo_groups``, in the same order, as one list."""
    return [item for group in todo_groups(user) for item in group.items]
