"""An e-mail backend for development: each message becomes an ``.eml`` file that a mail
program opens as it would arrive (``make run`` writes them to ``var/mail/``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            target = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            partial = target.with_suffix(".part")
            partial.write_bytes(message.message().as_bytes(linesep="\r\n"))
            # A reader watching the folder never sees half a message.
            partial.replace(target)
        return len(email_messages)
