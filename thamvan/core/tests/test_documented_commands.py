"""Every ``manage.py`` command the README and the docs show works as written.

Commands are read from the Markdown itself, placeholders (``DIR``, ``FOLDER``,
``EMAIL``) filled in, and each one is run, or, where running it would serve
forever or replace the database under the tests, its arguments are parsed by
the command's own parser. A command shown with arguments it does not take fails.
"""

from __future__ import annotations

import re
import shlex
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands, load_command_class
from django.test import override_settings

from thamvan.accounts.tests.factories import UserFactory

ROOT = Path(settings.BASE_DIR)
SOURCES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]
COMMAND = re.compile(r"`(?:[^`\s]*python )?manage\.py\s+([^`]+)`")

# Shown but not run here, and why; their arguments are still checked.
PARSED_ONLY = {
    "runserver": "serves until stopped",
    "db_worker": "serves until stopped",
    "scheduler": "serves until stopped",
    "shell": "interactive",
    "flush": "erases the database under the tests",
    "migrate": "the test database is migrated already",
    "makemigrations": "writes migration files into the source tree",
    "collectstatic": "copies every static file; checked by the deployment",
    "check": "with --deploy it judges production settings, which tests do not use",
    "restore": "replaces the database under the tests; its drill is test_backup_restore",
}


QUEUED = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def documented_commands() -> list[tuple[str, str]]:
    """(file name, command line after ``manage.py``) for every command shown."""
    found = []
    for source in SOURCES:
        for match in COMMAND.finditer(source.read_text(encoding="utf-8")):
            # An optional part "[--output DIR]" is shown used.
            line = re.sub(r"\[([^\]]*)\]", r"\1", " ".join(match.group(1).split()))
            found.append((source.name, line))
    return found


def test_the_docs_show_the_operations_commands() -> None:
    names = {line.split()[0] for _, line in documented_commands()}
    assert {"backup", "restore", "audit_verify", "reindex", "create_api_token"} <= names


@pytest.mark.django_db(transaction=True)
def test_every_documented_command_runs_as_written(tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # `manage.py backup` without --output writes under BASE_DIR/var/backups.
    settings.BASE_DIR = tmp_path
    user: Any = UserFactory(email="vanphong@hoi.example.vn")
    backups = tmp_path / "backups"
    commands = get_commands()
    failures: list[str] = []
    folder = ""
    # Backups first: the restore lines need the folder a backup wrote.
    ordered = sorted(documented_commands(), key=lambda item: item[1].split()[0] != "backup")
    for source, line in ordered:
        words = shlex.split(
            line.replace("DIR", str(backups))
            .replace("FOLDER", folder or str(backups))
            .replace("EMAIL", user.email)
        )
        name, args = words[0], words[1:]
        if name not in commands:
            failures.append(f"{source}: `manage.py {line}`: no such command")
            continue
        command = load_command_class(commands[name], name)
        try:
            # The worker's parser asks for a queue the database backend serves; the
            # tests run tasks at once instead.
            with override_settings(TASKS=QUEUED if name == "db_worker" else settings.TASKS):
                command.create_parser("manage.py", name).parse_args(args)
            if name in PARSED_ONLY and "--check-only" not in args:
                continue
            out = StringIO()
            call_command(name, *args, stdout=out, stderr=StringIO())
        except (Exception, SystemExit) as error:
            failures.append(f"{source}: `manage.py {line}`: {type(error).__name__}: {error}")
            continue
        if name == "backup" and backups.exists():
            folder = str(max(backups.iterdir()))
    assert failures == [], "\n".join(failures)
