"""The restore drill: back up, wipe, restore, and compare everything."""

from __future__ import annotations

import datetime
import io
import json
import secrets
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from thamvan import audit
from thamvan.core.backups import BackupError, restore_media, verify_backup
from thamvan.organizations.tests.factories import OrganizationFactory

MEDIA = {
    "dossiers/2026/ban-ve-quy-hoach.pdf": b"%PDF-1.7 planning drawing",
    "dossiers/2026/thuyet-minh/Thuyết minh.docx": b"PK\x03\x04 explanatory report",
    "opinions/y-kien.txt": "Ý kiến chuyên gia về quy hoạch phân khu".encode(),
}


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _content(secretariat: Any) -> None:
    city = OrganizationFactory(name="Ủy ban nhân dân thành phố Hà Nội")
    OrganizationFactory(name="Sở Quy hoạch - Kiến trúc Hà Nội", parent=city)
    audit.record(actor=secretariat, action="organization.create", target=city)
    audit.record(actor=None, action="login.failed", data={"email": "x@example.vn"})
    for name, data in MEDIA.items():
        default_storage.save(name, ContentFile(data))


def _plain(value: Any) -> Any:
    # Two drivers give the same instant different tzinfo objects.
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _rows(cursor: Any, tables: list[str]) -> dict[str, list[str]]:
    snapshot = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')
        snapshot[table] = sorted(repr(tuple(map(_plain, row))) for row in cursor.fetchall())
    return snapshot


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _media_files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def _backup(tmp_path: Path) -> Path:
    out = io.StringIO()
    call_command("backup", output=tmp_path / "backups", stdout=out)
    folders = list((tmp_path / "backups").iterdir())
    assert len(folders) == 1
    assert "verified" in out.getvalue()
    return folders[0]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite drill")
@pytest.mark.django_db(transaction=True)
def test_sqlite_drill_backs_up_wipes_restores_and_compares(tmp_path, media_root, secretariat):
    _content(secretariat)
    with connection.cursor() as cursor:
        before = _rows(cursor, _tables())
    media_before = _media_files(media_root)
    assert len(media_before) == 3

    folder = _backup(tmp_path)

    call_command("flush", interactive=False, verbosity=0)
    for name in MEDIA:
        default_storage.delete(name)
    with connection.cursor() as cursor:
        assert _rows(cursor, ["organizations_organization"])["organizations_organization"] == []

    call_command("restore", str(folder), interactive=False, stdout=io.StringIO())

    with connection.cursor() as cursor:
        assert _rows(cursor, _tables()) == before
    assert _media_files(media_root) == media_before
    call_command("audit_verify", stdout=io.StringIO())
    # The restored database still refuses to rewrite history.
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL drill")
@pytest.mark.django_db(transaction=True)
def test_postgresql_drill_restores_into_a_fresh_database_and_compares(
    tmp_path, media_root, secretariat
):
    import psycopg

    _content(secretariat)
    with connection.cursor() as cursor:
        before = _rows(cursor, _tables())
    media_before = _media_files(media_root)
    folder = _backup(tmp_path)
    for name in MEDIA:
        default_storage.delete(name)

    name = f"thamvan_restore_{secrets.token_hex(6)}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        call_command(
            "restore", str(folder), database_name=name, interactive=False, stdout=io.StringIO()
        )
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params["dbname"] = name
        with psycopg.connect(**params) as restored, restored.cursor() as cursor:
            assert _rows(cursor, _tables()) == before
            cursor.execute("SELECT count(*) FROM audit_auditentry")
            assert cursor.fetchone() == (2,)
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                cursor.execute("DELETE FROM audit_auditentry")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert _media_files(media_root) == media_before


@pytest.mark.django_db(transaction=True)
def test_the_manifest_lists_a_sha256_for_each_part(tmp_path, media_root, secretariat):
    import hashlib

    _content(secretariat)
    folder = _backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["vendor"] == connection.vendor
    assert manifest["media"]["count"] == 3
    for part in ("database", "media"):
        data = (folder / manifest[part]["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == manifest[part]["sha256"]
    assert manifest["migrations"]["audit"] == "0002_append_only_triggers"


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_is_replaced(tmp_path, media_root, secretariat):
    _content(secretariat)
    folder = _backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    damaged = folder / manifest["database"]["file"]
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    count = OrganizationFactory._meta.model.objects.count()
    with pytest.raises(CommandError, match="does not match its sha256"):
        call_command("restore", str(folder), interactive=False)
    assert OrganizationFactory._meta.model.objects.count() == count


def test_check_only_verifies_without_restoring(tmp_path):
    with pytest.raises(CommandError, match=r"cannot read manifest\.json"):
        call_command("restore", str(tmp_path), check_only=True)


def test_a_media_archive_cannot_write_outside_the_storage(tmp_path, media_root):
    archive = tmp_path / "media.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="unsafe path"):
        restore_media(archive, default_storage)
    assert not (tmp_path / "escape.txt").exists()


def test_a_manifest_cannot_point_outside_its_folder(tmp_path):
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "format": 1,
                "vendor": "sqlite",
                "database": {"file": "../etc/passwd", "sha256": "", "size": 0},
                "media": {"file": "media.tar.gz", "sha256": "", "size": 0, "count": 0},
            }
        )
    )
    with pytest.raises(BackupError, match="database file missing"):
        verify_backup(tmp_path)
