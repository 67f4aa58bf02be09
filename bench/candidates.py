"""Time the panel page's candidate list over a registry of 5,000 experts.

    python bench/candidates.py                          # SQLite in a temporary folder
    python bench/candidates.py --database-url URL       # PostgreSQL: a database it may fill
    python bench/candidates.py --experts 600 --rounds 5 # small smoke run

It builds a fresh database (the demo, then the registry grown to ``--experts``
active experts with specialties, texts and employers, and a history of past and
open panels with invitations and opinions), signs the demo secretariat in, and
asks the panel page of the demo's accepted consultation, in process through
Django's test client (middleware, view, template; no network):

* the first page, as the secretariat opens it;
* a filtered page (a specialty, experts with an e-mail, at most two open panels);
* a page sorted by on-time share, and one sorted by name;
* a far page, the htmx partial, and the API's candidate list.

For each: p50, p95 and max of the wall time over ``--rounds`` requests after
one untimed request, the median CPU time of this process (the whole request on
SQLite; PostgreSQL's own work is not in it), and the number of SQL queries.
Then the first page right after the text similarities left the cache (as after
an expert's texts change). The data is generated from a seed, so every run sees
the same registry.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_MS = 300.0
CONSULTATION = "Xin ý kiến quy chế quản lý kiến trúc phường Hoàn Kiếm"
SECRETARIAT = "vanphong@thamvan.example"

_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương"]
_MIDDLE = ["Văn", "Thị", "Quốc", "Minh", "Thu", "Đức", "Hồng", "Thanh", "Ngọc", "Hữu"]
_GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Khánh",
    "Lan",
    "Long",
    "Sơn",
    "Tú",
    "Trang",
    "Phương",
    "Quân",
    "Vinh",
]


def _environment(var_dir: Path, database_url: str) -> dict[str, str]:
    return {
        "THAMVAN_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "DEMO_MODE": "true",
        "DEBUG": "false",
        "THAMVAN_TESTING": "false",
        "SECRET_KEY": "bench-" + "k" * 50,
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "TASKS_BACKEND": "immediate",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # Every timed request counts against the recommendation's rate limit.
        "RATE_LIMIT_RECOMMENDATION_PER_MINUTE": "100000",
    }


def _copy(model: Any, original: Any, **changes: Any) -> Any:
    fields = {f.attname: getattr(original, f.attname) for f in model._meta.concrete_fields}
    copy = model(**{**fields, **changes})
    copy.pk = None
    return copy


def _grow_registry(rng: random.Random, experts: int) -> None:
    """Copies of the demo's experts (texts and specialties) under new names, with
    employers, until ``experts`` are active; one in twelve has no e-mail."""
    from thamvan.experts.models import Affiliation, Expert, ExpertSpecialty
    from thamvan.organizations.models import Organization
    from thamvan.search.normalize import fold, sort_key

    employers = Organization.objects.bulk_create(
        Organization(name=f"Công ty Tư vấn Quy hoạch số {i}", name_key=fold(f"cong ty {i}"))
        for i in range(1, 301)
    )
    weights = [1.0 / (i + 1) for i in range(len(employers))]
    originals = list(Expert.objects.filter(is_active=True).prefetch_related("expert_specialties"))
    missing = experts - len(originals)
    copies = []
    for i in range(missing):
        original = originals[i % len(originals)]
        name = f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"
        copy = _copy(
            Expert,
            original,
            user_id=None,
            full_name=name,
            email="" if rng.random() < 1 / 12 else f"cg{i}@bench.example",
            membership_number=f"B-{i:05d}",
            max_concurrent_consultations=rng.choice((2, 3, 3, 4)),
        )
        copy.sort_key = sort_key(name)
        copy.search_key = fold(f"{name} {copy.keywords} {copy.membership_number}")
        copies.append(copy)
    created = Expert.objects.bulk_create(copies, batch_size=1000)
    links: list[ExpertSpecialty] = []
    affiliations: list[Affiliation] = []
    for i, expert in enumerate(created):
        original = originals[i % len(originals)]
        links.extend(
            ExpertSpecialty(
                expert=expert, specialty_id=link.specialty_id, is_primary=link.is_primary
            )
            for link in original.expert_specialties.all()
        )
        if rng.random() < 0.85:
            affiliations.append(
                Affiliation(
                    expert=expert,
                    organization=rng.choices(employers, weights)[0],
                    position="Chuyên gia",
                    start_date=datetime(2015 + rng.randrange(10), 1, 1).date(),
                )
            )
    ExpertSpecialty.objects.bulk_create(links, batch_size=2000)
    Affiliation.objects.bulk_create(affiliations, batch_size=2000)


def _grow_history(rng: random.Random, past: int, open_panels: int) -> tuple[int, int, int]:
    """Past panels (closed rounds: invitations answered, opinions on time or late) and
    open ones (in review: seats that count towards each expert's workload)."""
    from django.utils import timezone

    from thamvan.consultations.models import Consultation, Invitation, Opinion, State
    from thamvan.experts.models import Expert

    ids = list(Expert.objects.filter(is_active=True).values_list("pk", flat=True))
    closed = Consultation.objects.filter(state=State.CLOSED).first()
    in_review = Consultation.objects.filter(state=State.IN_REVIEW).first()
    assert closed is not None and in_review is not None
    now = timezone.now()
    rounds = []
    for i in range(past):
        sent = now - timedelta(days=rng.randrange(30, 1500))
        rounds.append(
            _copy(
                Consultation,
                closed,
                title=f"{closed.title} · {i}",
                deadline=(sent + timedelta(days=20)).date(),
                sent_at=sent,
                closed_at=sent + timedelta(days=60),
            )
        )
    for i in range(open_panels):
        rounds.append(_copy(Consultation, in_review, title=f"{in_review.title} · {i}"))
    created = Consultation.objects.bulk_create(rounds, batch_size=1000)
    invitations: list[Invitation] = []
    opinions: list[Opinion] = []
    for consultation in created:
        is_past = consultation.state == State.CLOSED
        sent = consultation.sent_at or now
        for expert_id in rng.sample(ids, 5):
            invited = sent + timedelta(days=2)
            roll = rng.random()
            state = Invitation.Status.ACCEPTED
            if is_past and roll < 0.15:
                state = Invitation.Status.DECLINED
            elif is_past and roll < 0.22:
                state = Invitation.Status.EXPIRED
            responded = invited + timedelta(days=rng.randrange(0, 5), hours=rng.randrange(24))
            invitations.append(
                Invitation(
                    consultation=consultation,
                    expert_id=expert_id,
                    state=state,
                    invited_at=invited,
                    responded_at=responded if state != Invitation.Status.EXPIRED else None,
                    independence_declared=state == Invitation.Status.ACCEPTED,
                )
            )
            if is_past and state == Invitation.Status.ACCEPTED and rng.random() < 0.9:
                opinions.append(
                    Opinion(
                        consultation=consultation,
                        expert_id=expert_id,
                        state=Opinion.Status.SUBMITTED,
                        verdict=Opinion.Verdict.AGREE,
                        summary="Ý kiến.",
                        submitted_at=responded + timedelta(days=rng.randrange(2, 26)),
                    )
                )
    Invitation.objects.bulk_create(invitations, batch_size=2000)
    Opinion.objects.bulk_create(opinions, batch_size=2000)
    return len(created), len(invitations), len(opinions)


def _prepare(options: argparse.Namespace) -> tuple[Any, Any, dict[str, int]]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from thamvan.accounts import mfa
    from thamvan.accounts.models import User
    from thamvan.consultations.models import Consultation, Invitation, Opinion
    from thamvan.experts.models import Expert

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    call_command("demo", stdout=io.StringIO())
    call_command("collectstatic", verbosity=0, interactive=False)
    rng = random.Random(options.seed)
    _grow_registry(rng, options.experts)
    _grow_history(rng, options.past, options.open)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    user = User.objects.get(email=SECRETARIAT)
    client = Client()
    client.force_login(user)
    session = client.session
    mfa.mark_verified(session)
    session.save()
    consultation = Consultation.objects.get(title=CONSULTATION)
    counts = {
        "active experts": Expert.objects.filter(is_active=True).count(),
        "without e-mail": Expert.objects.filter(is_active=True, email="").count(),
        "consultations": Consultation.objects.count(),
        "invitations": Invitation.objects.count(),
        "opinions": Opinion.objects.count(),
    }
    return client, consultation, counts


def _measure(client: Any, url: str, rounds: int, headers: dict[str, str]) -> dict[str, Any]:
    from django.db import connection

    queries = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    cpu = []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "max": times[-1],
        "cpu": statistics.median(cpu),
        "queries": len(queries),
        "bytes": len(response.content),
    }


def _cold(client: Any, url: str) -> float:
    """The first page right after the registry's texts changed: the text similarities
    are computed again (the cache is emptied, as a changed text would miss it)."""
    from django.core.cache import cache

    cache.clear()
    started = time.perf_counter()
    assert client.get(url).status_code == 200
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experts", type=int, default=5_000, help="active experts in all")
    parser.add_argument("--past", type=int, default=2_000, help="past panels (closed rounds)")
    parser.add_argument("--open", type=int, default=600, help="open panels (in review)")
    parser.add_argument("--rounds", type=int, default=30, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--database-url", help="PostgreSQL database to fill (default: SQLite)")
    parser.add_argument("--profile", action="store_true", help="print the first page's profile")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="thamvan-bench-") as tmp:
        var_dir = Path(tmp)
        url = options.database_url or f"sqlite:///{var_dir / 'bench.sqlite3'}"
        os.environ.update(_environment(var_dir, url))
        started = time.perf_counter()
        client, consultation, counts = _prepare(options)
        print(
            f"data ({time.perf_counter() - started:.0f} s):",
            ", ".join(f"{n:,} {label}" for label, n in counts.items()),
        )
        from django.conf import settings
        from django.db import connection
        from django.urls import reverse

        from thamvan.experts.models import Specialty

        page = reverse("consultations:panel", args=[consultation.pk])
        specialty = Specialty.objects.get(slug="kien-truc").pk
        scenarios = [
            ("first page", page, {}),
            ("filtered", f"{page}?specialty={specialty}&has_email=yes&open_panels=2", {}),
            ("sorted by on-time share", f"{page}?sort=on_time", {}),
            ("sorted by name", f"{page}?sort=name", {}),
            ("page 100", f"{page}?page=100", {}),
            ("htmx partial, page 2", f"{page}?page=2", {"HX-Request": "true"}),
            ("API candidates", f"/api/v1/consultations/{consultation.pk}/candidates", {}),
        ]
        if options.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            client.get(page)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(40)
        database = connection.vendor
        print(
            f"{database}, {counts['active experts']:,} experts, {options.rounds} rounds, "
            f"load average {os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}, "
            f"DEBUG={settings.DEBUG}"
        )
        print(
            f"{'page':<26} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU ms':>8} {'queries':>8}"
        )
        p95 = {}
        for label, target, headers in scenarios:
            figures = _measure(client, target, options.rounds, headers)
            p95[label] = figures["p95"]
            print(
                f"{label:<26} {figures['p50']:>8.1f} {figures['p95']:>8.1f} "
                f"{figures['max']:>8.1f} {figures['cpu']:>8.1f} {figures['queries']:>8}"
            )
        cold = statistics.median(_cold(client, page) for _ in range(3))
        print(f"first page, similarities not cached: {cold:.1f} ms (median of 3)")
        first, worst = p95["first page"], max(p95.values())
        print(
            f"target, first page p95 < {TARGET_MS:.0f} ms: "
            f"{'met' if first < TARGET_MS else 'NOT met'} ({first:.1f} ms); "
            f"every page above: {'met' if worst < TARGET_MS else 'NOT met'} ({worst:.1f} ms)"
        )
        connection.close()


if __name__ == "__main__":
    main()
