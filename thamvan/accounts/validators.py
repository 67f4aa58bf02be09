"""Password rules beyond Django's: no product name, no part of the user's own address."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from thamvan.search.normalize import fold

PRODUCT_NAMES = ("thamvan", "tham van")
CONTEXT_PASSWORD_MESSAGE = _(
    "The password must not contain the product name or the first part of your email address."
)


class ContextWordsPasswordValidator:
    """ASVS 6.2: refuse passwords built from words an attacker would try first."""

    def __init__(self, min_local_part: int = 3) -> None:
        self.min_local_part = min_local_part

    def _words(self, user: Any) -> list[str]:
        words = list(PRODUCT_NAMES)
        email = str(getattr(user, "email", "") or "")
        local = fold(email.split("@", 1)[0]) if "@" in email else ""
        if len(local) >= self.min_local_part:
            words.append(local)
        return words

    def validate(self, password: str, user: Any = None) -> None:
        folded = fold(password)
        squashed = folded.replace(" ", "")
        for word in self._words(user):
            if word in folded or word.replace(" ", "") in squashed:
                raise ValidationError(CONTEXT_PASSWORD_MESSAGE, code="password_context")

    def get_help_text(self) -> str:
        return str(CONTEXT_PASSWORD_MESSAGE)
