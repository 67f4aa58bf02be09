"""Four writer processes on one SQLite file with the project's settings: count "database is locked".

Run from the repository root: ``.venv/bin/python bench/sqlite_writers.py``. Each
writer runs short transactions that update an organisation row and append to the
audit log (the hottest shared row: the chain head), as the web processes and the
task worker do. The target is 0 "database is locked" errors; the audit chain must
verify afterwards.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("THAMVAN_TESTING", "false")
    os.environ.setdefault("DEBUG", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def _writer(args: tuple[Path, int, int]) -> dict[str, object]:
    database, number, transactions = args
    _setup(database)
    from django.db import OperationalError, transaction

    from thamvan import audit
    from thamvan.organizations.models import Organization

    locked = other = 0
    latencies = []
    org = Organization.objects.get(name=f"Bench writer {number}")
    for i in range(transactions):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                org.phone = str(i)
                org.save(update_fields=["phone"])
                audit.record(actor=None, action="bench.write", target=org, data={"i": i})
        except OperationalError as error:
            if "database is locked" in str(error):
                locked += 1
            else:
                other += 1
        latencies.append(time.perf_counter() - started)
    return {"locked": locked, "other": other, "latencies": latencies}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--transactions", type=int, default=500, help="per writer")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="thamvan-writers-") as folder:
        database = Path(folder) / "bench.sqlite3"
        _setup(database)
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        from thamvan.organizations.models import Organization

        for n in range(options.writers):
            Organization.objects.create(name=f"Bench writer {n}", kind="other")
        from django.db import connections

        connections.close_all()
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(options.writers) as pool:
            results = pool.map(
                _writer, [(database, n, options.transactions) for n in range(options.writers)]
            )
        elapsed = time.perf_counter() - started
        from thamvan.audit.verify import verify_chain

        report = verify_chain()
    latencies = sorted(t for r in results for t in r["latencies"])  # type: ignore[attr-defined]
    total = len(latencies)
    locked = sum(int(r["locked"]) for r in results)  # type: ignore[call-overload]
    other = sum(int(r["other"]) for r in results)  # type: ignore[call-overload]

    def pct(p: float) -> float:
        return latencies[min(total - 1, int(p * total))] * 1000

    print(
        f"writers: {options.writers}, transactions: {total} in {elapsed:.2f} s "
        f"({total / elapsed:.0f}/s)"
    )
    print(
        f"latency ms: p50 {pct(0.50):.1f}  p95 {pct(0.95):.1f}  p99 {pct(0.99):.1f}  "
        f"max {latencies[-1] * 1000:.1f}  mean {statistics.mean(latencies) * 1000:.1f}"
    )
    print(f'"database is locked": {locked}; other errors: {other}')
    print(
        f"audit chain: {report.checked} entries, "
        f"{'intact' if report.ok else f'BROKEN {report.altered} {report.missing}'}"
    )
    return 0 if locked == 0 and other == 0 and report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
