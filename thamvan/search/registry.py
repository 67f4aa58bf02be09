"""Which models the knowledge base indexes, and how.

Each app declares its indexable models once, from its ``AppConfig.ready()``::

    from thamvan.search.registry import Indexable, IndexDocument, register

    register(Indexable(
        key="opinion",
        label=_("Expert opinion"),
        model=Opinion,
        document=opinion_document,            # obj -> IndexDocument | None
        visible=lambda user: Opinion.objects.visible_to(user),
        kinds=dict(Opinion.Verdict.choices),  # labels for the "kind" facet
    ))

``document`` returns None for an object that must not be indexed at all. Access
is never decided here: results, snippets, counts and facets are filtered through
``visible`` (the app's ``visible_to``) at query time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

    from thamvan.accounts.models import User


@dataclass(frozen=True)
class IndexDocument:
    title: str
    body: str
    dated_at: datetime
    url: str = ""
    kind: str = ""
    year: int | None = None
    organization_id: int | None = None
    commune_ids: tuple[int, ...] = ()
    confidentiality: str = ""


@dataclass(frozen=True)
class Indexable:
    key: str
    label: StrPromise | str
    model: type[models.Model]
    document: Callable[[Any], IndexDocument | None]
    visible: Callable[[User], models.QuerySet[Any]]
    # Objects for a full reindex, with whatever ``document`` needs joined in.
    queryset: Callable[[], models.QuerySet[Any]] | None = None
    kinds: Mapping[str, Any] = field(default_factory=dict)

    def all_objects(self) -> models.QuerySet[Any]:
        if self.queryset is not None:
            return self.queryset()
        return self.model._default_manager.all()

    def kind_label(self, kind: str) -> str:
        return str(self.kinds.get(kind, kind))


_REGISTRY: dict[str, Indexable] = {}


def register(indexable: Indexable) -> Indexable:
    existing = _REGISTRY.get(indexable.key)
    if existing is not None and existing.model is not indexable.model:
        raise ValueError(f"search key {indexable.key!r} is already used by {existing.model}")
    _REGISTRY[indexable.key] = indexable
    return indexable


def unregister(key: str) -> None:
    _REGISTRY.pop(key, None)


def indexables() -> Iterable[Indexable]:
    return list(_REGISTRY.values())


def get_indexable(key: str) -> Indexable:
    return _REGISTRY[key]


def indexable_for(obj: models.Model) -> Indexable:
    for indexable in _REGISTRY.values():
        if isinstance(obj, indexable.model):
            return indexable
    raise LookupError(f"{type(obj).__name__} is not registered for search")
