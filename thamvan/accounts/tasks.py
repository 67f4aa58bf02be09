from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from thamvan.accounts.models import AuthFailure, LoginAttempt, User
from thamvan.notifications import outbox

LOGIN_ATTEMPT_RETENTION = timedelta(days=90)
PASSWORD_RESET_SUBJECT = "accounts/email/password_reset_subject.txt"
PASSWORD_RESET_BODY = "accounts/email/password_reset.txt"


@task()
def prune_login_attempts() -> int:
    """Drop login attempts and second-step failures past the retention period."""
    cutoff = timezone.now() - LOGIN_ATTEMPT_RETENTION
    attempts, _ = LoginAttempt.objects.filter(created_at__lt=cutoff).delete()
    failures, _ = AuthFailure.objects.filter(created_at__lt=cutoff).delete()
    return attempts + failures


@task()
def send_password_reset_email(user_id: int, language: str) -> bool:
    """Mail a password-reset link; False when the account can no longer reset its password.

    The token is made here rather than passed in, so the task queue never stores it.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    # The configured address, never the request's Host header, which the sender controls.
    context = {"user": user, "link": f"{settings.SITE_URL}{path}"}
    with translation.override(language):
        subject = "".join(render_to_string(PASSWORD_RESET_SUBJECT, context).splitlines())
        body = render_to_string(PASSWORD_RESET_BODY, context)
    # Sensitive: the link is dropped from the record once the mail is sent.
    outbox.send(
        to=user.email,
        subject=subject,
        body=body,
        template="accounts/email/password_reset",
        related=user,
        user=user,
        sensitive=True,
    )
    return True
