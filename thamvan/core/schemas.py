from __future__ import annotations

from datetime import date

from ninja import Schema

from thamvan.core.todo import TodoItem, TodoUrgency


class TodoItemOut(Schema):
    kind: str
    kind_label: str
    title: str
    action: str
    deadline: date | None
    urgency: TodoUrgency
    url: str

    @staticmethod
    def resolve_kind(obj: TodoItem) -> str:
        return obj.kind.key

    @staticmethod
    def resolve_kind_label(obj: TodoItem) -> str:
        return str(obj.kind.label)

    @staticmethod
    def resolve_action(obj: TodoItem) -> str:
        return str(obj.action)
