from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from thamvan.accounts.models import AuthFailure, LoginAttempt

LOGIN_ATTEMPT_RETENTION = timedelta(days=90)


@task()
def prune_login_attempts() -> int:
    """Drop login attempts and second-step failures past the retention period."""
    cutoff = timezone.now() - LOGIN_ATTEMPT_RETENTION
    attempts, _ = LoginAttempt.objects.filter(created_at__lt=cutoff).delete()
    failures, _ = AuthFailure.objects.filter(created_at__lt=cutoff).delete()
    return attempts + failures
