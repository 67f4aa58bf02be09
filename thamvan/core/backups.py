"""Backup and restore of the database and the media files, shared by the two commands.

A backup is a folder holding the database (an SQLite copy made with the online
backup API, or a pg_dump custom-format archive), the media files as
media.tar.gz, and manifest.json with the sha256 of each.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
FORMAT_VERSION = 1


class BackupError(Exception):
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _describe(path: Path) -> dict[str, Any]:
    return {"file": path.name, "sha256": sha256_of(path), "size": path.stat().st_size}


# PostgreSQL command-line access ------------------------------------------------


def _pg_args(
    settings_dict: dict[str, Any], name: str | None = None
) -> tuple[list[str], dict[str, str]]:
    args: list[str] = []
    if settings_dict.get("HOST"):
        args += ["-h", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", str(settings_dict["USER"])]
    args += ["-d", name or str(settings_dict["NAME"])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")
    return result.stdout


# Writing -----------------------------------------------------------------------


def _dump_database(connection: BaseDatabaseWrapper, folder: Path) -> Path:
    if connection.vendor == "sqlite":
        target = folder / SQLITE_FILE
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            # The online backup API copies a consistent snapshot while the
            # application keeps writing.
            connection.connection.backup(destination)
        finally:
            destination.close()
        return target
    if connection.vendor == "postgresql":
        target = folder / POSTGRES_FILE
        args, env = _pg_args(connection.settings_dict)
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "-f",
                str(target),
                *args,
            ],
            env,
        )
        return target
    raise BackupError(f"backups of {connection.vendor} databases are not supported")


def _storage_files(storage: Storage, directory: str = "") -> list[str]:
    directories, files = storage.listdir(directory)
    names = [f"{directory}/{name}" if directory else name for name in files]
    for sub in directories:
        names += _storage_files(storage, f"{directory}/{sub}" if directory else sub)
    return sorted(names)


def _dump_media(storage: Storage, folder: Path) -> tuple[Path, int]:
    target = folder / MEDIA_ARCHIVE
    try:
        names = _storage_files(storage)
    except FileNotFoundError:
        names = []
    with tarfile.open(target, "w:gz") as archive:
        for name in names:
            with storage.open(name, "rb") as handle:
                data = handle.read()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
    return target, len(names)


def _migration_state(connection: BaseDatabaseWrapper) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def create_backup(
    destination: Path, *, using: str = "default", storage: Storage | None = None
) -> Path:
    connection = connections[using]
    storage = storage or default_storage
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    folder = destination / f"thamvan-backup-{stamp}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = destination / f"thamvan-backup-{stamp}-{suffix}"
    folder.mkdir(parents=True)
    database = _dump_database(connection, folder)
    media, media_count = _dump_media(storage, folder)
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "database": _describe(database),
        "media": {**_describe(media), "count": media_count},
        "migrations": _migration_state(connection),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), "utf-8")
    verify_backup(folder)
    return folder


# Checking ----------------------------------------------------------------------


@dataclass
class CheckedBackup:
    folder: Path
    manifest: dict[str, Any]

    @property
    def database(self) -> Path:
        return self.folder / str(self.manifest["database"]["file"])

    @property
    def media(self) -> Path:
        return self.folder / str(self.manifest["media"]["file"])


def verify_backup(folder: Path) -> CheckedBackup:
    """Check every checksum and that each part can be read back; raises BackupError."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"cannot read {MANIFEST}: {error}") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    checked = CheckedBackup(folder, manifest)
    for part, path in (("database", checked.database), ("media", checked.media)):
        # Names come from the manifest: refuse anything pointing outside the folder.
        if path.parent != folder or not path.is_file():
            raise BackupError(f"{part} file missing: {path.name}")
        if sha256_of(path) != manifest[part]["sha256"]:
            raise BackupError(f"{part} file {path.name} does not match its sha256")
    if manifest["vendor"] == "sqlite":
        check = sqlite3.connect(f"file:{checked.database}?mode=ro", uri=True)
        try:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            check.close()
        if result != "ok":
            raise BackupError(f"database copy failed its integrity check: {result}")
    elif manifest["vendor"] == "postgresql":
        _run(["pg_restore", "--list", str(checked.database)], dict(os.environ))
    with tarfile.open(checked.media, "r:gz") as archive:
        count = sum(1 for member in archive if member.isfile())
    if count != manifest["media"]["count"]:
        raise BackupError(
            f"media archive holds {count} files, manifest says {manifest['media']['count']}"
        )
    return checked


# Restoring ---------------------------------------------------------------------


def _restore_sqlite(connection: BaseDatabaseWrapper, source: Path) -> None:
    connection.ensure_connection()
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        origin.backup(connection.connection)
    finally:
        origin.close()


def _restore_postgres(
    connection: BaseDatabaseWrapper, source: Path, database_name: str | None
) -> None:
    args, env = _pg_args(connection.settings_dict, database_name)
    if database_name is None:
        # pg_restore needs the tables free of this process's locks.
        connection.close()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(source),
        ],
        env,
    )


def restore_media(archive_path: Path, storage: Storage) -> int:
    restored = 0
    with tarfile.open(archive_path, "r:gz") as archive:
        for member in archive:
            if not member.isfile():
                continue
            name = member.name
            if name.startswith("/") or ".." in Path(name).parts:
                raise BackupError(f"unsafe path in media archive: {name}")
            handle = archive.extractfile(member)
            if handle is None:
                continue
            if storage.exists(name):
                storage.delete(name)
            saved = storage.save(name, ContentFile(handle.read()))
            if saved != name:
                raise BackupError(f"storage saved {name} as {saved}")
            restored += 1
    return restored


def restore_backup(
    folder: Path,
    *,
    using: str = "default",
    storage: Storage | None = None,
    database_name: str | None = None,
    media: bool = True,
) -> CheckedBackup:
    """Replace the database (or fill `database_name`, PostgreSQL only) and media from a backup."""
    checked = verify_backup(folder)
    connection = connections[using]
    if checked.manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"this is a {checked.manifest['vendor']} backup; the database is {connection.vendor}"
        )
    if connection.vendor == "sqlite":
        if database_name:
            raise BackupError("--database-name applies to PostgreSQL only")
        _restore_sqlite(connection, checked.database)
    else:
        _restore_postgres(connection, checked.database, database_name)
    if media:
        restore_media(checked.media, storage or default_storage)
    return checked
