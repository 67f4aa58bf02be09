"""Writing the index: one object now, one object after commit, or everything.

Apps call ``index_object(obj)`` after creating or changing an indexable object
and ``remove_object(obj)`` before deleting one, inside their service's
transaction; the work runs in a background task once the transaction commits.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import datetime
from functools import partial

from django.db import models, transaction
from django.db.models import Exists, OuterRef

from thamvan.search.backends import Keys, get_backend
from thamvan.search.models import SearchEntry
from thamvan.search.normalize import tokens
from thamvan.search.registry import (
    Indexable,
    IndexDocument,
    get_indexable,
    indexable_for,
    indexables,
)

logger = logging.getLogger(__name__)

# Longer "words" are data (hashes, URLs), not something anyone types; PostgreSQL
# also caps a lexeme at 2 KB.
MAX_TOKEN_LENGTH = 60
BATCH_SIZE = 500


def rank_key(dated_at: datetime) -> int:
    """The entry's recency as an integer: its date in whole seconds.

    Seconds keep the keys' row ids close together (SQLite stores each word's
    entries as gaps between row ids: small gaps, small index). Entries of the
    same second are spread over the following free values by ``_free_rank``.
    """
    return math.floor(dated_at.timestamp())


def _free_rank(rank: int, entry_id: int) -> int:
    """``rank``, or the first value after it that no other entry holds (ranks are unique)."""
    others = SearchEntry.objects.exclude(pk=entry_id)
    if not others.filter(rank=rank).exists():
        return rank
    # The first gap in the run of taken values that starts at ``rank``.
    taken = others.filter(rank=OuterRef("rank") + 1)
    gap = (
        others.filter(rank__gte=rank)
        .exclude(Exists(taken))
        .order_by("rank")
        .values_list("rank", flat=True)
        .first()
    )
    return (gap if gap is not None else rank) + 1


def _unique(words: Iterable[str]) -> str:
    # Ranking tests presence, not frequency, so each token is stored once.
    return " ".join(dict.fromkeys(w for w in words if len(w) <= MAX_TOKEN_LENGTH))


def build_keys(title: str, body: str) -> Keys:
    title_exact = tokens(title, folded=False)
    title_folded = tokens(title)
    return Keys(
        title=_unique(title_folded),
        exact=_unique([*title_exact, *tokens(body, folded=False)]),
        folded=_unique([*title_folded, *tokens(body)]),
    )


def _entry_fields(document: IndexDocument) -> dict[str, object]:
    return {
        "title": document.title[:500],
        "body": document.body,
        "url": document.url[:300],
        "kind": document.kind[:60],
        "year": document.year,
        "organization_id": document.organization_id,
        "confidentiality": document.confidentiality,
        "dated_at": document.dated_at,
    }


def _remove_entries(key: str, object_ids: Iterable[int]) -> int:
    entries = SearchEntry.objects.filter(type=key, object_id__in=list(object_ids))
    entry_ids = list(entries.values_list("pk", flat=True))
    if entry_ids:
        # Keys first: SQLite finds them by the entry's rank.
        get_backend().delete(entry_ids)
        SearchEntry.objects.filter(pk__in=entry_ids).delete()
    return len(entry_ids)


@transaction.atomic
def index_now(indexable: Indexable, obj: models.Model) -> SearchEntry | None:
    """Index ``obj`` in this transaction; None when its app says it is not indexed."""
    document = indexable.document(obj)
    if document is None:
        _remove_entries(indexable.key, [obj.pk])
        return None
    backend = get_backend()
    fields = _entry_fields(document)
    entry = (
        SearchEntry.objects.select_for_update().filter(type=indexable.key, object_id=obj.pk).first()
    )
    if entry is None:
        entry = SearchEntry.objects.create(type=indexable.key, object_id=obj.pk, **fields)
    else:
        # The old keys go while the entry still has the rank they are filed under.
        backend.delete([entry.pk])
        for name, value in fields.items():
            setattr(entry, name, value)
    entry.rank = _free_rank(rank_key(entry.dated_at), entry.pk)
    entry.save()
    entry.communes.set(document.commune_ids)
    backend.write([(entry.pk, entry.rank, build_keys(document.title, document.body))])
    return entry


def index_pk_now(key: str, pk: int) -> bool:
    """Index the object with this key and id, or drop its entry if it is gone."""
    indexable = get_indexable(key)
    obj = indexable.all_objects().filter(pk=pk).first()
    if obj is None:
        _remove_entries(key, [pk])
        return False
    return index_now(indexable, obj) is not None


@transaction.atomic
def remove_pk_now(key: str, pk: int) -> int:
    return _remove_entries(key, [pk])


def _enqueue_index(key: str, pk: int) -> None:
    from thamvan.search.tasks import index_object_task

    index_object_task.enqueue(key, pk)


def _enqueue_remove(key: str, pk: int) -> None:
    from thamvan.search.tasks import remove_object_task

    remove_object_task.enqueue(key, pk)


def index_object(obj: models.Model) -> None:
    """Schedule ``obj`` for (re)indexing once the current transaction commits."""
    indexable = indexable_for(obj)
    transaction.on_commit(partial(_enqueue_index, indexable.key, obj.pk))


def remove_object(obj: models.Model) -> None:
    """Schedule the removal of ``obj``'s entry once the current transaction commits."""
    indexable = indexable_for(obj)
    transaction.on_commit(partial(_enqueue_remove, indexable.key, obj.pk))


def reindex(keys: Iterable[str] | None = None, *, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Rebuild the entries of every registered type (or the given ones); counts per type."""
    selected = [get_indexable(k) for k in keys] if keys is not None else list(indexables())
    counts: dict[str, int] = {}
    for indexable in selected:
        counts[indexable.key] = _reindex_one(indexable, batch_size=batch_size)
    return counts


def _reindex_one(indexable: Indexable, *, batch_size: int) -> int:
    seen: set[int] = set()
    indexed = 0
    objects = indexable.all_objects().order_by("pk")
    last_pk = 0
    while True:
        batch = list(objects.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            break
        with transaction.atomic():
            for obj in batch:
                seen.add(obj.pk)
                if index_now(indexable, obj) is not None:
                    indexed += 1
        last_pk = batch[-1].pk
    stale = (
        set(SearchEntry.objects.filter(type=indexable.key).values_list("object_id", flat=True))
        - seen
    )
    if stale:
        with transaction.atomic():
            _remove_entries(indexable.key, stale)
    logger.info("Reindexed %s: %d entries, %d stale removed", indexable.key, indexed, len(stale))
    return indexed
