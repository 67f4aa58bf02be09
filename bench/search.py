"""Search benchmark: index build time and size, p50/p95 query latency, recall, on both backends.

    .venv/bin/python bench/search.py --docs 100000 [--docs 1000000] [--backend sqlite]

Builds a corpus of Vietnamese planning text in a throw-away database (a temporary
SQLite file; a temporary PostgreSQL database on 127.0.0.1:5432, dropped afterwards),
indexes it through the real backends and times ``thamvan.search.query.search`` for a
fixed mix of queries (accented, accent-less, đ/d, phrases, rare and common words) as
a user who may see everything (the access filter still runs): first as the API's
plain result list (no facets, whole words), then as the search page asks (facets,
last word as a prefix); each after one untimed pass over the queries, whose
median and maximum are printed apart. Then checks recall: every spelling of a query (accents or
none, đ or d, NFD, old or new tone placement, capitals) must match exactly the
documents whose text holds its words, as counted while the corpus was generated.
Prints the figures; records nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Planning topics, most common first: documents draw them with Zipf weights, so a
# few ("quy hoạch", "hạ tầng kỹ thuật") are everywhere and most are rare.
TOPICS = [
    "quy hoạch phân khu đô thị",
    "quy hoạch chi tiết tỷ lệ 1/500",
    "hạ tầng kỹ thuật",
    "giao thông công cộng",
    "cây xanh mặt nước",
    "hệ thống thoát nước mưa",
    "nhà ở xã hội",
    "cải tạo chung cư cũ",
    "khu tập thể",
    "không gian ngầm",
    "bãi đỗ xe ngầm",
    "trường học liên cấp",
    "bệnh viện đa khoa",
    "công viên cây xanh",
    "hồ điều hoà",
    "thủy lợi và đê điều",
    "tuyến đường sắt đô thị",
    "ga đường sắt",
    "mật độ xây dựng",
    "hệ số sử dụng đất",
    "chiều cao công trình",
    "chỉ giới đường đỏ",
    "bảo tồn di sản kiến trúc",
    "cảnh quan phố cổ",
    "làng nghề truyền thống",
    "nông thôn mới",
    "khu công nghiệp",
    "trung tâm thương mại",
    "xử lý chất thải rắn",
    "cấp nước sạch",
    "chiếu sáng đô thị",
    "phòng cháy chữa cháy",
    "đánh giá môi trường chiến lược",
    "tái định cư",
    "bồi thường giải phóng mặt bằng",
    "thiết kế đô thị riêng",
    "quy chế quản lý kiến trúc",
    "không gian công cộng ven sông",
    "cầu vượt sông Hồng",
    "vành đai 4 vùng Thủ đô",
]
CONNECTORS = [
    "đề xuất điều chỉnh",
    "theo ý kiến chuyên gia",
    "cần bổ sung",
    "phù hợp với quy chuẩn",
    "đã được thẩm định",
    "chưa đáp ứng",
    "trình phê duyệt",
    "lấy ý kiến cộng đồng",
]
QUERIES = [
    "quy hoạch phân khu Hoàn Kiếm",
    "quy hoach phan khu hoan kiem",
    "hồ điều hoà Hòa Lạc",
    "ho dieu hoa hoa lac",
    "bãi đỗ xe ngầm Đống Đa",
    "bai do xe ngam dong da",
    "bảo tồn di sản kiến trúc Ba Đình",
    "BAO TON DI SAN KIEN TRUC BA DINH",
    "tái định cư Sóc Sơn",
    "nhà ở xã hội Long Biên",
    "vanh dai 4 gia lam",
    "QHPK-N9",
]


# Spellings of one query that must match the same documents (DESIGN §9).
RECALL = [
    [
        "quy hoạch phân khu Hoàn Kiếm",
        "quy hoach phan khu hoan kiem",
        "QUY HOẠCH PHÂN KHU HOÀN KIẾM",
        unicodedata.normalize("NFD", "quy hoạch phân khu Hoàn Kiếm"),
    ],
    [
        "hồ điều hoà",
        "hồ điều hòa",
        "ho dieu hoa",
        unicodedata.normalize("NFD", "hồ điều hòa"),
    ],
    [
        "thủy lợi và đê điều",
        "thuỷ lợi và đê điều",
        "thuy loi va de dieu",
        "THỦY LỢI VÀ ĐÊ ĐIỀU",
        unicodedata.normalize("NFD", "thủy lợi và đê điều"),
    ],
    [
        "bãi đỗ xe ngầm Đống Đa",
        "bai do xe ngam dong da",
        "bãi dỗ xe ngầm Dống Da",
        "Bai Đo Xe Ngam Đong Đa",
        unicodedata.normalize("NFD", "bãi đỗ xe ngầm Đống Đa"),
    ],
    ["vành đai 4 Gia Lâm", "vanh dai 4 gia lam", "Vành Đai 4 GIA LÂM"],
]


def _places() -> list[str]:
    from thamvan.organizations.models import AdministrativeUnit

    names = AdministrativeUnit.objects.filter(level="commune").values_list("name", flat=True)
    return [name.split(" ", 1)[1] if " " in name else name for name in names] or ["Hoàn Kiếm"]


def corpus(n: int, seed: int = 7):
    rng = random.Random(seed)
    places = _places()
    topic_weights = [1 / (rank + 1) for rank in range(len(TOPICS))]
    place_weights = [1 / (rank + 1) ** 0.7 for rank in range(len(places))]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for i in range(1, n + 1):
        topic = rng.choices(TOPICS, topic_weights)[0]
        place = rng.choices(places, place_weights)[0]
        code = f"QHPK-{rng.choice('ABCDEFGHKNS')}{rng.randint(1, 40)}"
        title = f"{code} · {topic.capitalize()} {place}"
        sentences = []
        for _ in range(rng.randint(3, 9)):
            sentences.append(
                f"{rng.choices(TOPICS, topic_weights)[0].capitalize()} "
                f"{rng.choice(CONNECTORS)} tại {rng.choices(places, place_weights)[0]}, "
                f"diện tích {rng.randint(2, 900)} ha, năm {rng.randint(2015, 2026)}"
            )
        yield i, title, ". ".join(sentences) + ".", start + timedelta(minutes=i)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(n: int) -> tuple[float, int, list[int]]:
    """Seconds, index bytes, and how many documents hold the words of each RECALL group."""
    from django.db import transaction

    from thamvan.search.backends import get_backend
    from thamvan.search.indexing import build_keys, rank_key
    from thamvan.search.models import SearchEntry
    from thamvan.search.normalize import syllables

    backend = get_backend()
    started = time.perf_counter()
    batch: list = []
    keys: list = []
    wanted = [set(syllables(group[0])) for group in RECALL]
    holding = [0] * len(RECALL)

    def flush() -> None:
        with transaction.atomic():
            SearchEntry.objects.bulk_create(batch)
            backend.write(keys)
        batch.clear()
        keys.clear()

    for pk, title, body, dated in corpus(n):
        batch.append(
            SearchEntry(
                id=pk,
                type="bench",
                object_id=pk,
                title=title,
                body=body,
                dated_at=dated,
                year=dated.year,
                rank=rank_key(dated),
            )
        )
        entry_keys = build_keys(title, body)
        keys.append((pk, rank_key(dated), entry_keys))
        words = set(entry_keys.folded.split())
        for i, group_words in enumerate(wanted):
            holding[i] += group_words <= words
        if len(batch) >= 5000:
            flush()
    if batch:
        flush()
    from django.db import connection

    # As autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) would after a bulk load.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started, backend.size_bytes(), holding


def _register() -> None:
    from thamvan.search.models import SearchEntry
    from thamvan.search.registry import Indexable, register

    # Everything is visible in the benchmark: the access filter still runs as a subquery.
    register(  # idempotent
        Indexable(
            key="bench",
            label="bench",
            model=SearchEntry,
            document=lambda obj: None,
            visible=lambda user: SearchEntry.objects.filter(type="bench"),
        )
    )


def recall(holding: list[int]) -> bool:
    """Whether every spelling of every RECALL group matches exactly the expected documents."""
    from django.contrib.auth.models import AnonymousUser

    from thamvan.search.query import matching_entries

    ok = True
    for group, expected in zip(RECALL, holding, strict=True):
        for variant in group:
            # Uncapped, unlike search(): recall is about the whole match set.
            found = matching_entries(variant, user=AnonymousUser(), prefix_last=False)  # type: ignore[arg-type]
            n = found.order_by().count()
            ok &= n == expected
            shown = (
                variant.encode("unicode_escape").decode()
                if variant != unicodedata.normalize("NFC", variant)
                else variant
            )
            print(
                f"    recall {'ok ' if n == expected else 'MISS'} {n:>8} of {expected:>8}  {shown}"
            )
    return ok


def measure(rounds: int, *, page: bool) -> tuple[float, float, float]:
    from django.contrib.auth.models import AnonymousUser

    from thamvan.search.query import search

    user = AnonymousUser()
    matches: dict[str, str] = {}
    timings: list[float] = []
    per_query: dict[str, list[float]] = {query: [] for query in QUERIES}
    # One pass untimed, as a server that has been answering searches: the first
    # search of each word reads its index pages from disk, and the first search
    # of all reads the statistics it plans with. Printed, not counted.
    first: list[float] = []
    for round_ in range(rounds + 1):
        for query in QUERIES:
            started = time.perf_counter()
            if page:
                results = search(query, user=user, limit=25)  # type: ignore[arg-type]
            else:
                results = search(query, user=user, limit=20, with_facets=False, prefix_last=False)  # type: ignore[arg-type]
            elapsed = (time.perf_counter() - started) * 1000
            if not round_:
                first.append(elapsed)
                continue
            timings.append(elapsed)
            per_query[query].append(elapsed)
            matches[query] = f"{'>' if results.total_capped else ''}{results.total:,}"
    cold = f"median {statistics.median(first):.1f} ms, max {max(first):.1f} ms"
    print(f"    first pass, untimed: {cold}")
    for query, values in per_query.items():
        print(f"    {statistics.median(values):8.1f} ms  {matches[query]:>8} matches  {query}")
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    return p50, p95, max(timings)


def run(backend: str, n: int, rounds: int) -> bool:
    import subprocess

    if backend == "sqlite":
        directory = tempfile.mkdtemp(prefix="thamvan-bench-")
        url = f"sqlite:///{directory}/bench.sqlite3"
    else:
        name = f"thamvan_bench_search_{os.getpid()}"
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {name}"],
            check=True,
            capture_output=True,
        )
        url = f"postgres://postgres@127.0.0.1:5432/{name}"
    try:
        code = subprocess.run(
            [
                *(sys.executable, __file__, "--child", backend, "--docs", str(n)),
                *("--rounds", str(rounds)),
            ],
            env={**os.environ, "DATABASE_URL": url},
            check=False,
        ).returncode
    finally:
        if backend == "postgresql":
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE {name}"],
                check=True,
                capture_output=True,
            )
        else:
            import shutil

            shutil.rmtree(directory, ignore_errors=True)
    return code == 0


def child(backend: str, n: int, rounds: int) -> None:
    setup_django(os.environ["DATABASE_URL"])
    seconds, size, holding = build(n)
    print(f"{backend:10} docs={n:>9,} build={seconds:8.1f}s index={size / 1e6:8.1f} MB", flush=True)
    print(f"{backend:10} load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    _register()
    for page, label in [(False, "results only"), (True, "search page")]:
        p50, p95, worst = measure(rounds, page=page)
        print(
            f"{backend:10} docs={n:>9,} {label:14} "
            f"p50={p50:7.1f} ms p95={p95:7.1f} ms max={worst:7.1f} ms",
            flush=True,
        )
    ok = recall(holding)
    print(f"{backend:10} docs={n:>9,} recall {'100 %' if ok else 'INCOMPLETE'}", flush=True)
    print(f"{backend:10} load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not ok:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, action="append", help="corpus size; repeatable")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = args.docs or [100_000, 1_000_000]
    if args.child:
        child(args.child, sizes[0], args.rounds)
        return
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    ok = True
    for n in sizes:
        for backend in backends:
            ok &= run(backend, n, args.rounds)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
