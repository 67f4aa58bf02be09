"""Optional malware scan of uploads through a ClamAV daemon (clamd).

Enabled when CLAMAV_SOCKET (a unix socket path) or CLAMAV_HOST (with
CLAMAV_PORT, default 3310) is set; otherwise `scan` does nothing. When enabled
and clamd cannot answer, the upload is refused unless CLAMAV_FAIL_OPEN is true:
an unscanned file is not let through silently.
"""

from __future__ import annotations

import socket
import struct
from typing import IO

from django.conf import settings
from django.utils.translation import gettext_lazy as _

CHUNK = 64 * 1024
INFECTED_MESSAGE = _("The file %(name)s contains malware and was refused.")
UNAVAILABLE_MESSAGE = _("The file %(name)s could not be checked for malware. Try again later.")


class ScannerUnavailable(Exception):
    pass


def is_enabled() -> bool:
    return bool(getattr(settings, "CLAMAV_SOCKET", "") or getattr(settings, "CLAMAV_HOST", ""))


def _connect() -> socket.socket:
    timeout = float(getattr(settings, "CLAMAV_TIMEOUT", 30))
    path = getattr(settings, "CLAMAV_SOCKET", "")
    if path:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(timeout)
        conn.connect(path)
        return conn
    address = (
        str(getattr(settings, "CLAMAV_HOST", "")),
        int(getattr(settings, "CLAMAV_PORT", 3310)),
    )
    return socket.create_connection(address, timeout=timeout)


def signature(stream: IO[bytes]) -> str | None:
    """The malware signature clamd reports for the stream, or None if clean."""
    try:
        with _connect() as conn:
            conn.sendall(b"zINSTREAM\0")
            stream.seek(0)
            while chunk := stream.read(CHUNK):
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = conn.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as error:
        raise ScannerUnavailable(str(error)) from error
    finally:
        stream.seek(0)
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith("OK"):
        return None
    if text.endswith("FOUND"):
        return text.removeprefix("stream:").removesuffix("FOUND").strip()
    raise ScannerUnavailable(text or "no answer")


def scan(stream: IO[bytes], *, name: str) -> None:
    """Raise UploadRejected (code unsafe_content) for malware; nothing when disabled.

    A file the scanner could not check is refused the same way (with its own
    message): it has not been shown to be safe.
    """
    if not is_enabled():
        return
    # Imported here: uploads.py calls this module from check_upload.
    from thamvan.core.uploads import UploadRejected

    try:
        found = signature(stream)
    except ScannerUnavailable:
        if getattr(settings, "CLAMAV_FAIL_OPEN", False):
            return
        raise UploadRejected(UNAVAILABLE_MESSAGE, "unsafe_content", {"name": name}) from None
    if found:
        raise UploadRejected(INFECTED_MESSAGE, "unsafe_content", {"name": name})
