from __future__ import annotations

from django_tasks import task

from thamvan.search.indexing import index_pk_now, reindex, remove_pk_now


@task()
def index_object_task(key: str, pk: int) -> bool:
    """Index one object (its document text included); False when it is gone or not indexed."""
    return index_pk_now(key, pk)


@task()
def remove_object_task(key: str, pk: int) -> int:
    return remove_pk_now(key, pk)


@task()
def reindex_task(keys: list[str] | None = None) -> dict[str, int]:
    return reindex(keys)
