"""A bounded load test on loopback: 50 concurrent users over data 100x the demo.

Run from the repository root: ``.venv/bin/python bench/load.py``. It builds a
fresh database in a temporary folder (SQLite, or PostgreSQL with
``--database-url``, which must point at a database this script may fill), loads
the demo, multiplies organisations, experts and dossiers 100 times, starts
gunicorn on 127.0.0.1 only and measures two things. Nothing leaves the machine.

The user model (the latency figures). Each of the 50 users has their own
session and personal API token (all of them the demo secretariat officer),
starts at a random moment within the first think time, then repeats: pick a
page from the mix at random, request it, wait for the answer, then read it for
a think time drawn uniformly between 1 and 3 seconds (``--think``) before the
next click. An HTML page also fetches the unread-notification badge right
after it, as htmx does when the page loads. The mix: home, the dossier,
expert and organisation lists (plain, searched, a far page), their detail
pages, the dossier map's data, and the dossier and expert API lists with a
token. 50 users thinking 2 s on average offer about 22 page views a second,
some 42 requests with the badges.
The script prints p50/p95/p99 per page and overall, and the errors.

The saturation figure (the throughput). Then the same 50 users click again
with no think time at all, so requests queue behind one another; the script
prints the requests per second the server then sustains. Latency in that
phase is queueing, not service time, and is not the target's measure.

The load generator is this process, apart from the server's: 50 threads that
each send a request with ``http.client`` and read the answer, nothing else per
request. Each phase prints the CPU time the server and the generator used,
and the load average: the server's CPU milliseconds per request is the service
cost, and holds when other work shares the cores and the latencies do not.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BADGE = "/notifications/badge/"


@dataclass(frozen=True)
class Visitor:
    """One simulated user's credentials."""

    cookie: str
    token: str


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


def _prepare(env: dict[str, str], times: int, users: int) -> tuple[list[Visitor], list[str]]:
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
    from django.db import connection

    if connection.vendor == "postgresql":
        # Autovacuum analyses tables this size soon after they fill; without
        # statistics the planner picks plans no running site would.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from thamvan.accounts import mfa
    from thamvan.accounts.models import User
    from thamvan.accounts.tokens import api_token_create
    from thamvan.dossiers.models import Dossier
    from thamvan.experts.models import Expert
    from thamvan.organizations.models import Organization

    user = User.objects.get(email="vanphong@thamvan.example")
    visitors = []
    for n in range(users):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        mfa.mark_verified(session)
        session.create()
        # One token each: the API's rate limit counts per token, as it would per person.
        _token, raw = api_token_create(actor=user, name=f"load {n}")
        visitors.append(Visitor(cookie=str(session.session_key), token=raw))
    org_ids = list(Organization.objects.values_list("pk", flat=True)[:500])
    expert_ids = list(Expert.objects.values_list("pk", flat=True)[:500])
    dossier_ids = list(Dossier.objects.visible_to(user).values_list("pk", flat=True)[:200])
    rng = random.Random(6)
    paths = (
        ["/", "/organizations/", "/organizations/?q=ha+noi", "/experts/", "/experts/?q=quy+hoach"]
        + ["/dossiers/", "/organizations/?page=40", "/dossiers/map/data.json"]
        + ["/api/v1/dossiers", "/api/v1/experts", "/api/v1/experts?q=quy+hoach"]
        + ["/api/v1/dossiers?offset=500"]
        + [f"/organizations/{rng.choice(org_ids)}/" for _ in range(20)]
        + [f"/experts/{rng.choice(expert_ids)}/" for _ in range(20)]
        + [f"/dossiers/{rng.choice(dossier_ids)}/" for _ in range(10)]
    )
    from django.db import connections

    connections.close_all()
    return visitors, paths


def _label(path: str) -> str:
    route, _, query = path.partition("?")
    return "/".join("<id>" if part.isdigit() else part for part in route.split("/")) + (
        "?…" if query else ""
    )


def _is_page(path: str) -> bool:
    return not path.startswith("/api/") and not path.endswith(".json")


class Client:
    """One user's keep-alive connection; the least work per request the test allows."""

    def __init__(self, port: int, visitor: Visitor) -> None:
        self.port = port
        self.cookie = {"Cookie": f"sessionid={visitor.cookie}", "Host": "127.0.0.1"}
        self.bearer = {"Authorization": f"Bearer {visitor.token}", "Host": "127.0.0.1"}
        self.badge = {**self.cookie, "HX-Request": "true"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str, headers: dict[str, str]) -> tuple[float, int]:
        started = time.perf_counter()
        # gunicorn closes a connection idle past its keep-alive (2 s), as most
        # servers do while a user reads; like a browser, reconnect once then.
        for _attempt in (1, 2):
            try:
                self.conn.request("GET", path, headers=headers)
                response = self.conn.getresponse()
                response.read()
                return time.perf_counter() - started, response.status
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return time.perf_counter() - started, 0

    def view(self, path: str, results: list[tuple[str, float, int]]) -> None:
        """A page as a browser shows it: the page, then the badge htmx loads."""
        if path.startswith("/api/"):
            results.append((path, *self.get(path, self.bearer)))
            return
        results.append((path, *self.get(path, self.cookie)))
        if _is_page(path):
            results.append((BADGE, *self.get(BADGE, self.badge)))


def _user(
    client: Client,
    paths: list[str],
    requests: int,
    think: tuple[float, float],
    seed: int,
    results: list[tuple[str, float, int]],
) -> None:
    rng = random.Random(seed)
    if think[1] > 0:
        time.sleep(rng.uniform(0, think[1]))  # users arrive spread over one think time
    for _ in range(requests):
        client.view(rng.choice(paths), results)
        if think[1] > 0:
            time.sleep(rng.uniform(*think))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (the gunicorn workers)."""
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for one in [str(pid), *children]:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")
    return total


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Phase:
    results: list[tuple[str, float, int]]
    elapsed: float
    server_cpu: float
    client_cpu: float
    load: tuple[float, float, float]


def _run(
    port: int,
    server_pid: int,
    visitors: list[Visitor],
    paths: list[str],
    requests: int,
    think: tuple[float, float],
) -> Phase:
    results: list[tuple[str, float, int]] = []
    clients = [Client(port, visitor) for visitor in visitors]
    threads = [
        threading.Thread(target=_user, args=(client, paths, requests, think, n, results))
        for n, client in enumerate(clients)
    ]
    server_cpu, client_cpu = _cpu_seconds(server_pid), _own_cpu_seconds()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    phase = Phase(
        results=results,
        elapsed=elapsed,
        server_cpu=_cpu_seconds(server_pid) - server_cpu,
        client_cpu=_own_cpu_seconds() - client_cpu,
        load=os.getloadavg(),
    )
    for client in clients:
        client.conn.close()
    return phase


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return f"p50 {pct(0.5):7.1f}  p95 {pct(0.95):7.1f}  p99 {pct(0.99):7.1f} ms"


def _errors(results: list[tuple[str, float, int]]) -> dict[int, int]:
    errors: dict[int, int] = defaultdict(int)
    for _path, _seconds, status in results:
        if status != 200:
            errors[status] += 1
    return dict(errors)


def _summary(phase: Phase) -> str:
    count = len(phase.results)
    return (
        f"{count} requests in {phase.elapsed:.1f} s ({count / phase.elapsed:.0f} req/s); "
        f"CPU: server {phase.server_cpu:.1f} s ({phase.server_cpu / count * 1000:.1f} ms a "
        f"request), load generator {phase.client_cpu:.1f} s; "
        "load average {:.2f} {:.2f} {:.2f}".format(*phase.load)
    )


def _report(phase: Phase) -> None:
    by_page: dict[str, list[float]] = defaultdict(list)
    for path, seconds, _status in phase.results:
        by_page[_label(path)].append(seconds)
    for page, values in sorted(by_page.items()):
        print(f"  {page:<28} n={len(values):<5} {_percentiles(values)}")
    print(f"  {'all':<28} n={len(phase.results):<5} {_percentiles([r[1] for r in phase.results])}")
    print("  errors:", _errors(phase.results) or 0)


def _think(value: str) -> tuple[float, float]:
    low, _, high = value.partition(",")
    return float(low), float(high or low)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=50, help="page views per user")
    parser.add_argument(
        "--think", type=_think, default=(1.0, 3.0), help="think time range in s, e.g. 1,3"
    )
    parser.add_argument(
        "--saturation", type=int, default=20, help="requests per user with no think time (0: skip)"
    )
    parser.add_argument("--times", type=int, default=100, help="data multiplier")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes: one a core")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per process")
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="thamvan-load-") as folder:
        var_dir = Path(folder)
        env = _environment(var_dir, options.database_url or f"sqlite:///{var_dir / 'load.sqlite3'}")
        visitors, paths = _prepare(env, options.times, options.users)
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
            # Warm-up: every page once on each worker's threads, not measured.
            _run(port, server.pid, visitors[:8], paths, 10, (0.0, 0.0))
            measured = _run(port, server.pid, visitors, paths, options.requests, options.think)
            saturated = (
                _run(port, server.pid, visitors, paths, options.saturation, (0.0, 0.0))
                if options.saturation
                else None
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    database = "PostgreSQL" if options.database_url else "SQLite"
    print(
        f"gunicorn {options.workers} processes x {options.threads} threads, "
        f"{os.cpu_count()} CPUs, {database}"
    )
    low, high = options.think
    print(f"{options.users} users, think time {low:g}-{high:g} s: {_summary(measured)}")
    _report(measured)
    errors = bool(_errors(measured.results))
    if saturated is not None:
        print(f"{options.users} users, no think time (saturation): {_summary(saturated)}")
        print(
            f"  {'all':<28} n={len(saturated.results):<5} "
            f"{_percentiles([r[1] for r in saturated.results])}"
        )
        print("  errors:", _errors(saturated.results) or 0)
        errors = errors or bool(_errors(saturated.results))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
