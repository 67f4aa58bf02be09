from datetime import timedelta

import pytest
from django.utils import timezone

from thamvan.accounts.models import LoginAttempt
from thamvan.core.models import ScheduledRun
from thamvan.core.periodic import enqueue_due

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_due_job_is_enqueued_once_per_interval(settings):
    settings.PERIODIC_TASKS = {"thamvan.accounts.tasks.prune_login_attempts": 3600}
    old = LoginAttempt.objects.create(email="a@example.vn", succeeded=False)
    LoginAttempt.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=200))
    now = timezone.now()

    assert enqueue_due(now) == ["thamvan.accounts.tasks.prune_login_attempts"]
    # The immediate backend ran it on commit.
    assert not LoginAttempt.objects.filter(pk=old.pk).exists()
    assert enqueue_due(now + timedelta(minutes=30)) == []
    assert enqueue_due(now + timedelta(hours=2)) == ["thamvan.accounts.tasks.prune_login_attempts"]
    assert ScheduledRun.objects.count() == 1
