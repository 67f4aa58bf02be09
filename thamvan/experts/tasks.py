from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from thamvan.accounts.models import User
from thamvan.experts.models import ExpertImport
from thamvan.experts.services import (
    NOT_A_REGISTRY_MANAGER,
    expert_import_apply,
    expert_imports_purge,
)


@task()
def apply_expert_import(import_id: int, actor_id: int | None) -> str:
    """Run a confirmed import; returns its final status."""
    record = ExpertImport.objects.get(pk=import_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        if actor is None:
            raise PermissionDenied(NOT_A_REGISTRY_MANAGER)
        return expert_import_apply(actor=actor, expert_import=record).status
    except PermissionDenied:
        # The uploader lost the right to change the registry before the task ran.
        with transaction.atomic():
            ExpertImport.objects.filter(pk=import_id).update(
                status=ExpertImport.Status.FAILED,
                message=str(NOT_A_REGISTRY_MANAGER),
                finished_at=timezone.now(),
            )
        return ExpertImport.Status.FAILED


@task()
def purge_expert_imports() -> int:
    """Delete import files kept past their retention; returns how many."""
    return expert_imports_purge()
