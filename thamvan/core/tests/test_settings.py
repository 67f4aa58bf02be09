import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it.
    dropped = ("THAMVAN_TESTING", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_under_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x" * 30 + "production-secret-key-for-the-check-only-0123456789",
        ALLOWED_HOSTS="thamvan.example.vn",
        DEBUG="false",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("value", ["yes", "1", "True"])
def test_boolean_settings_reject_anything_but_true_or_false(value):
    result = _manage("check", DEBUG=value)
    assert result.returncode != 0
    assert "DEBUG must be 'true' or 'false'" in result.stderr


def test_sqlite_connections_are_kept_between_requests_like_postgresqls(tmp_path):
    from config.settings import database_config

    sqlite = database_config(f"sqlite:///{tmp_path / 'thamvan.sqlite3'}")
    postgres = database_config("postgres://thamvan@127.0.0.1:5432/thamvan")
    # A new SQLite connection re-reads the schema: one per request costs ~2 ms.
    assert sqlite["CONN_MAX_AGE"] == postgres["CONN_MAX_AGE"] > 0
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
