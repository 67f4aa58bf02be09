import io
import socket
import struct
import threading
from pathlib import Path

import pytest

from thamvan.core import antivirus
from thamvan.core.uploads import UploadRejected

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    """Speaks clamd's INSTREAM protocol on a unix socket; flags the EICAR test string."""

    def __init__(self, path: Path) -> None:
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen()
        self.received: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _read(self, conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            data += conn.recv(size - len(data))
        return data

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                assert self._read(conn, 10) == b"zINSTREAM\0"
                body = b""
                while size := struct.unpack("!L", self._read(conn, 4))[0]:
                    body += self._read(conn, size)
                self.received.append(body)
                found = b"EICAR-STANDARD" in body
                conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if found else b"stream: OK\0")

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def clamd(settings, tmp_path):
    path = tmp_path / "clamd.sock"
    server = FakeClamd(path)
    settings.CLAMAV_SOCKET = str(path)
    yield server
    server.close()


def test_scanning_is_off_unless_configured(settings):
    settings.CLAMAV_SOCKET = ""
    settings.CLAMAV_HOST = ""
    antivirus.scan(io.BytesIO(EICAR), name="x.pdf")


def test_a_clean_file_passes_and_is_left_rewound(clamd):
    stream = io.BytesIO(b"%PDF-1.7 " + b"a" * 200_000)
    antivirus.scan(stream, name="ban-ve.pdf")
    assert stream.tell() == 0
    assert clamd.received[0] == stream.getvalue()


def test_malware_is_refused_with_the_unsafe_content_code(clamd):
    with pytest.raises(UploadRejected) as caught:
        antivirus.scan(io.BytesIO(EICAR), name="hoso.docx")
    assert caught.value.code == "unsafe_content"
    assert caught.value.params == {"name": "hoso.docx"}
    assert caught.value.message == antivirus.INFECTED_MESSAGE


def test_an_unreachable_scanner_refuses_the_upload_unless_told_to_fail_open(settings, tmp_path):
    settings.CLAMAV_SOCKET = str(tmp_path / "missing.sock")
    with pytest.raises(UploadRejected) as caught:
        antivirus.scan(io.BytesIO(b"data"), name="a.pdf")
    assert caught.value.message == antivirus.UNAVAILABLE_MESSAGE
    settings.CLAMAV_FAIL_OPEN = True
    antivirus.scan(io.BytesIO(b"data"), name="a.pdf")


def test_check_upload_sends_accepted_files_to_the_scanner(clamd):
    from thamvan.core.tests.samples import pdf_bytes
    from thamvan.core.uploads import DOCUMENT_KINDS, check_upload

    content = pdf_bytes()
    checked = check_upload(io.BytesIO(content), allowed=DOCUMENT_KINDS, filename="to-trinh.pdf")
    assert checked.kind == "pdf"
    assert clamd.received == [content]


def test_check_upload_refuses_what_the_scanner_flags(clamd):
    from thamvan.core.tests.samples import pdf_bytes
    from thamvan.core.uploads import DOCUMENT_KINDS, check_upload

    # A real PDF that carries the test signature in a comment.
    content = pdf_bytes() + b"\n%" + EICAR + b"\n"
    with pytest.raises(UploadRejected) as caught:
        check_upload(io.BytesIO(content), allowed=DOCUMENT_KINDS, filename="to-trinh.pdf")
    assert caught.value.code == "unsafe_content"
