"""A bounded load test on loopback: 50 concurrent users over data 100x the demo.

Run from the repository root: ``.venv/bin/python bench/load.py``. It builds a
fresh database in a temporary folder (SQLite, or PostgreSQL with
``--database-url``, which must point at a database this script may fill), loads
the demo, multiplies organisations, experts and dossiers 100 times, starts
gunicorn on 127.0.0.1 only, and sends a fixed number of requests from 50
threads, each signed in as a demo user. It prints p50/p95/p99 per page and
overall, and the errors. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(var_dir: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "THAMVAN_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "DEMO_MODE": "true",
        "DEBUG": "false",
        "THAMVAN_TESTING": "false",
        "SECRET_KEY": "bench-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "TASKS_BACKEND": "immediate",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
        # The demo's notifications would otherwise print every e-mail.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


def _multiply(times: int) -> dict[str, int]:
    from thamvan.dossiers.models import Dossier
    from thamvan.experts.models import Expert
    from thamvan.organizations.models import Organization
    from thamvan.search.normalize import fold

    def organization(obj: Any, i: int) -> None:
        obj.name = f"{obj.name} {i}"
        obj.name_key = fold(obj.name)

    def expert(obj: Any, i: int) -> None:
        obj.user_id = None
        obj.email = f"c{i}.{obj.email}" if obj.email else ""
        obj.membership_number = f"{obj.membership_number}-{i}" if obj.membership_number else ""

    def dossier(obj: Any, i: int) -> None:
        obj.code = f"{obj.code}-{i}"

    counts = {}
    for model, tweak in ((Organization, organization), (Expert, expert), (Dossier, dossier)):
        originals = list(model.objects.all())
        copies: list[Any] = []
        for i in range(1, times):
            for original in originals:
                copy = model(
                    **{f.attname: getattr(original, f.attname) for f in model._meta.concrete_fields}
                )
                copy.pk = None
                tweak(copy, i)
                copies.append(copy)
        model.objects.bulk_create(copies, batch_size=2000)
        counts[model._meta.label] = model.objects.count()
    return counts


def _prepare(env: dict[str, str], times: int) -> tuple[str, list[str]]:
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    call_command("demo", stdout=io.StringIO())
    call_command("collectstatic", verbosity=0, interactive=False)
    counts = _multiply(times)
    print("data:", ", ".join(f"{label} {count}" for label, count in counts.items()))

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from thamvan.accounts import mfa
    from thamvan.accounts.models import User
    from thamvan.dossiers.models import Dossier
    from thamvan.experts.models import Expert
    from thamvan.organizations.models import Organization

    user = User.objects.get(email="vanphong@thamvan.example")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    mfa.mark_verified(session)
    session.create()
    org_ids = list(Organization.objects.values_list("pk", flat=True)[:500])
    expert_ids = list(Expert.objects.values_list("pk", flat=True)[:500])
    dossier_ids = list(Dossier.objects.visible_to(user).values_list("pk", flat=True)[:200])
    rng = random.Random(6)
    paths = (
        ["/", "/organizations/", "/organizations/?q=ha+noi", "/experts/", "/experts/?q=quy+hoach"]
        + ["/dossiers/", "/organizations/?page=40"]
        + [f"/organizations/{rng.choice(org_ids)}/" for _ in range(20)]
        + [f"/experts/{rng.choice(expert_ids)}/" for _ in range(20)]
        + [f"/dossiers/{rng.choice(dossier_ids)}/" for _ in range(10)]
    )
    from django.db import connections

    connections.close_all()
    return str(session.session_key), paths


def _label(path: str) -> str:
    parts = [p for p in path.split("?")[0].split("/") if p]
    if parts and parts[-1].isdigit():
        parts[-1] = "<id>"
    return "/" + "/".join(parts) + ("/" if parts else "") + ("?…" if "?" in path else "")


def _user(
    port: int,
    cookie: str,
    paths: list[str],
    requests: int,
    seed: int,
    results: list[tuple[str, float, int]],
) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"}
    for _ in range(requests):
        path = rng.choice(paths)
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        results.append((path, time.perf_counter() - started, status))
    conn.close()


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return f"p50 {pct(0.5):7.1f}  p95 {pct(0.95):7.1f}  p99 {pct(0.99):7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40, help="per user")
    parser.add_argument("--times", type=int, default=100, help="data multiplier")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="thamvan-load-") as folder:
        var_dir = Path(folder)
        env = _environment(var_dir, options.database_url or f"sqlite:///{var_dir / 'load.sqlite3'}")
        cookie, paths = _prepare(env, options.times)
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options.workers),
                "--threads",
                str(options.threads),
                "--worker-class",
                "gthread",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            _user(port, cookie, paths[:1], 5, 0, [])  # warm-up
            results: list[tuple[str, float, int]] = []
            threads = [
                threading.Thread(
                    target=_user, args=(port, cookie, paths, options.requests, n, results)
                )
                for n in range(options.users)
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
    by_page: dict[str, list[float]] = defaultdict(list)
    errors: dict[int, int] = defaultdict(int)
    for path, seconds, status in results:
        by_page[_label(path)].append(seconds)
        if status != 200:
            errors[status] += 1
    print(
        f"{options.users} users, {len(results)} requests in {elapsed:.1f} s "
        f"({len(results) / elapsed:.0f} req/s), "
        f"gunicorn {options.workers}x{options.threads} threads, "
        f"{os.cpu_count()} CPUs, {'PostgreSQL' if options.database_url else 'SQLite'}"
    )
    for page, values in sorted(by_page.items()):
        print(f"  {page:<26} n={len(values):<5} {_percentiles(values)}")
    print(
        f"  {'all':<26} n={len(results):<5} {_percentiles([r[1] for r in results])}  "
        f"mean {statistics.mean(r[1] for r in results) * 1000:.1f} ms"
    )
    print("errors:", dict(errors) if errors else 0)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
