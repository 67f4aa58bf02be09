"""Test clients with and without the second sign-in step done."""

from __future__ import annotations

from django.test import Client

from thamvan.accounts import mfa


def verified_client(user: object) -> Client:
    """A signed-in client whose session passed the second step, as after a real sign-in."""
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    session = client.session
    mfa.mark_verified(session)
    session.save()
    return client


def unverified_client(user: object) -> Client:
    """A session opened without the second step (the admin login, an old session)."""
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client
