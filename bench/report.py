"""Time the consultation documents for a 300-opinion dossier.

Run from the repository root: ``.venv/bin/python bench/report.py``. The opinions are
generated from a fixed seed so every run measures the same documents. The team target
is under one second for the 300-item report.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# The script lives outside the package; make the repository importable when run as
# ``python bench/report.py``.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from thamvan.documents import (
    DocumentHeader,
    Issuer,
    OpinionItem,
    ReportData,
    ReportSection,
    Result,
    Signer,
    opinion_items_xlsx,
    response_table_docx,
    synthesis_report_docx,
)

TARGET_SECONDS = 1.0
DOSSIER = "đồ án Quy hoạch phân khu đô thị N9, tỷ lệ 1/2000"

# Per topic: the parts of the dossier commented on, and comment sentences.
TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Giao thông": (
        (
            "Mục 4.2 Quy hoạch mạng lưới giao thông",
            "Bản vẽ QH-05 Quy hoạch giao thông",
            "Mặt cắt ngang tuyến đường vành đai 3,5",
            "Bãi đỗ xe công cộng tập trung",
        ),
        (
            "Đề nghị rà soát mặt cắt ngang tuyến đường {road} để bảo đảm bố trí làn xe buýt"
            " nhanh và vỉa hè tối thiểu 6 m theo QCVN 01:2021/BXD.",
            "Chỉ tiêu đất giao thông tính đến đường phân khu vực mới đạt {pct}%, thấp hơn yêu"
            " cầu tối thiểu; cần bổ sung luận cứ hoặc điều chỉnh mạng lưới đường.",
            "Vị trí nút giao giữa đường {road} và đường gom chưa thể hiện phương án tổ chức"
            " giao thông; kiến nghị bổ sung sơ đồ phân luồng.",
            "Quy mô bãi đỗ xe công cộng ({area} ha) chưa tương xứng với dân số dự báo; đề"
            " nghị tính toán lại theo nhu cầu đỗ xe cá nhân đến năm 2035.",
        ),
    ),
    "Thoát nước và chuẩn bị kỹ thuật": (
        (
            "Mục 5.3 Chuẩn bị kỹ thuật",
            "Bản vẽ QH-07 Quy hoạch thoát nước mưa",
            "Cao độ nền xây dựng",
            "Hồ điều hòa",
        ),
        (
            "Cao độ nền khống chế tối thiểu +{level} m chưa phù hợp với quy hoạch thoát nước"
            " lưu vực sông {river}; đề nghị đối chiếu với quy hoạch chuyên ngành.",
            "Diện tích hồ điều hòa giảm {pct}% so với quy hoạch chung; cần đánh giá lại khả"
            " năng tiêu thoát khi mưa với chu kỳ lặp lại 10 năm.",
            "Đề nghị bổ sung giải pháp thoát nước bền vững (mương thấm, vườn mưa, mặt phủ"
            " thấm nước) cho các khu ở mới.",
            "Tuyến cống hộp dọc đường {road} trùng với hành lang tuyến điện 110 kV; cần rà"
            " soát khoảng cách an toàn.",
        ),
    ),
    "Cây xanh, mặt nước": (
        (
            "Mục 3.4 Hệ thống cây xanh",
            "Bản vẽ QH-03 Quy hoạch tổng mặt bằng sử dụng đất",
            "Công viên trung tâm khu vực",
        ),
        (
            "Chỉ tiêu cây xanh sử dụng công cộng đơn vị ở mới đạt {green} m²/người, chưa"
            " bảo đảm mức tối thiểu 2 m²/người.",
            "Đề nghị giữ nguyên diện tích công viên trung tâm ({area} ha), không chuyển đổi"
            " sang đất hỗn hợp như dự thảo.",
            "Cần kết nối các mảng xanh bằng hành lang xanh dọc sông {river} để hình thành"
            " hệ thống cây xanh liên tục.",
        ),
    ),
    "Tầng cao, mật độ xây dựng": (
        (
            "Mục 3.2 Chỉ tiêu quy hoạch kiến trúc",
            "Bảng 3.1 Chỉ tiêu sử dụng đất các ô quy hoạch",
            "Ô quy hoạch {lot}",
        ),
        (
            "Tầng cao tối đa {floors} tầng tại ô {lot} không phù hợp với khống chế độ cao"
            " tĩnh không sân bay; đề nghị làm rõ căn cứ.",
            "Mật độ xây dựng gộp {pct}% tại các ô đất ở hỗn hợp là quá cao, gây áp lực lên hạ"
            " tầng kỹ thuật hiện có.",
            "Đề nghị hạ tầng cao công trình dọc tuyến đường {road} để bảo đảm chuyển tiếp"
            " không gian với khu dân cư làng xóm hiện hữu.",
        ),
    ),
    "Di sản, cảnh quan": (
        (
            "Mục 3.6 Thiết kế đô thị",
            "Khu vực đình, chùa làng {village}",
            "Không gian dọc sông {river}",
        ),
        (
            "Cần xác định rõ ranh giới khu vực bảo vệ I, II của di tích đình làng {village}"
            " và quy định quản lý tương ứng.",
            "Đề nghị bảo tồn cấu trúc làng xóm truyền thống {village}, tránh phá vỡ không"
            " gian cảnh quan khi mở đường mới.",
            "Thiết kế đô thị chưa có hướng dẫn cụ thể về hình thức kiến trúc các công trình"
            " điểm nhấn dọc sông {river}.",
        ),
    ),
    "Hạ tầng xã hội": (
        (
            "Mục 3.5 Hệ thống công trình hạ tầng xã hội",
            "Trường học các cấp",
            "Trạm y tế, nhà văn hóa",
        ),
        (
            "Số chỗ học mầm non dự kiến chỉ đáp ứng khoảng {pct}% nhu cầu; đề nghị bổ sung"
            " quỹ đất trường mầm non tại ô {lot}.",
            "Bán kính phục vụ của trường trung học cơ sở vượt quá 1.000 m đối với khu ở"
            " phía {direction}; cần bố trí thêm một trường.",
            "Đề nghị bố trí nhà văn hóa và sân chơi cho từng đơn vị ở theo quy chuẩn.",
        ),
    ),
}

ROADS = ("Vành đai 3,5", "Long Biên - Xuân Quan", "Ngô Gia Tự kéo dài", "Cổ Linh", "Thạch Bàn")
RIVERS = ("Đuống", "Hồng", "Cầu Bây")
VILLAGES = ("Cự Khối", "Thạch Bàn", "Phúc Lợi", "Giang Biên")
DIRECTIONS = ("Bắc", "Nam", "Đông", "Tây")
EXPERTS = (
    "GS.TS. Nguyễn Văn Thắng",
    "PGS.TS. Trần Thị Lan Anh",
    "PGS.TS.KTS. Lê Quang Hưng",
    "TS.KTS. Phạm Thị Hồng Nhung",
    "TS. Đặng Minh Đức",
    "ThS.KTS. Võ Hoàng Yến",
    "KTS. Bùi Xuân Trường",
    "KS. Huỳnh Ngọc Ánh",
)
ORGANISATIONS = (
    "Sở Quy hoạch - Kiến trúc Hà Nội",
    "Sở Xây dựng Hà Nội",
    "Sở Tài nguyên và Môi trường Hà Nội",
    "UBND quận Long Biên",
    "Viện Quy hoạch xây dựng Hà Nội",
    "Hội Kiến trúc sư Việt Nam",
)
OUTCOMES: tuple[Result | None, ...] = ("accepted", "partly_accepted", "not_accepted", None)
OUTCOME_WEIGHTS = (5, 2, 2, 1)
RESPONSES: dict[Result | None, tuple[str, ...]] = {
    "accepted": (
        "Tiếp thu. Đơn vị tư vấn đã chỉnh sửa nội dung tương ứng trong thuyết minh và bản vẽ.",
        "Tiếp thu, bổ sung vào mục {section} của thuyết minh tổng hợp.",
    ),
    "partly_accepted": (
        "Tiếp thu một phần: bổ sung phân tích trong thuyết minh; chỉ tiêu giữ nguyên"
        " theo quy hoạch chung đã được phê duyệt.",
        "Tiếp thu phần kiến nghị về giải pháp; phần điều chỉnh ranh giới sẽ xem xét ở"
        " giai đoạn lập quy hoạch chi tiết tỷ lệ 1/500.",
    ),
    "not_accepted": (
        "Giải trình: nội dung này đã được xác định tại quy hoạch chung xây dựng Thủ đô"
        " và quy hoạch chuyên ngành, đồ án phân khu không có thẩm quyền điều chỉnh.",
        "Giải trình: chỉ tiêu trong dự thảo đáp ứng QCVN 01:2021/BXD; đề xuất của"
        " chuyên gia vượt quá phạm vi nghiên cứu của đồ án.",
    ),
    None: ("",),
}


def make_items(count: int, seed: int) -> list[OpinionItem]:
    """``count`` opinions with realistic planning content, reproducible from ``seed``."""
    rng = random.Random(seed)
    topics = list(TOPICS)
    items: list[OpinionItem] = []
    for order in range(1, count + 1):
        topic = topics[(order - 1) * len(topics) // count]
        targets, sentences = TOPICS[topic]
        values = {
            "road": rng.choice(ROADS),
            "river": rng.choice(RIVERS),
            "village": rng.choice(VILLAGES),
            "direction": rng.choice(DIRECTIONS),
            "pct": rng.randint(12, 85),
            "area": f"{rng.uniform(0.5, 12):.1f}".replace(".", ","),
            "level": f"{rng.uniform(5.8, 7.2):.2f}".replace(".", ","),
            "green": f"{rng.uniform(0.8, 1.9):.1f}".replace(".", ","),
            "floors": rng.randint(9, 45),
            "lot": f"{rng.choice('ABCDE')}.{rng.randint(1, 12)}",
            "section": f"{rng.randint(2, 6)}.{rng.randint(1, 8)}",
        }
        content = " ".join(
            sentence.format(**values) for sentence in rng.sample(sentences, rng.randint(1, 2))
        )
        agreed = rng.random() < 0.08
        result: Result | None = None
        if not agreed:
            result = rng.choices(OUTCOMES, weights=OUTCOME_WEIGHTS)[0]
        response = (
            "Ý kiến nhất trí với dự thảo."
            if agreed
            else rng.choice(RESPONSES[result]).format(**values)
        )
        author = rng.choice(EXPERTS if rng.random() < 0.7 else ORGANISATIONS)
        items.append(
            OpinionItem(
                order=order,
                topic=topic,
                target=rng.choice(targets).format(**values),
                author=author,
                content=content,
                response=response,
                result=result,
                agreed=agreed,
                note="Đã cập nhật bản vẽ" if result == "accepted" and rng.random() < 0.2 else "",
            )
        )
    return items


def make_report(count: int, seed: int) -> ReportData:
    header = DocumentHeader(
        issuer=Issuer(
            parent="Liên hiệp các Hội Khoa học và Kỹ thuật Việt Nam",
            name="Hội Quy hoạch phát triển đô thị Việt Nam",
            abbreviation="HQHĐT",
        ),
        number=12,
        place="Hà Nội",
        date=datetime.date(2026, 2, 5),
    )
    return ReportData(
        header=header,
        subject=DOSSIER,
        signer=Signer("TM. Ban Chấp hành", "Chủ tịch", "Nguyễn Văn Thắng"),
        introduction=(
            "Thực hiện đề nghị của Sở Quy hoạch - Kiến trúc Hà Nội về việc lấy ý kiến"
            f" chuyên gia đối với {DOSSIER}, Hội Quy hoạch phát triển đô thị Việt Nam đã"
            " tổ chức lấy ý kiến các chuyên gia, hội viên và cơ quan, tổ chức liên quan.",
        ),
        sections=(
            ReportSection(
                "Tình hình tổ chức lấy ý kiến",
                (
                    "Hồ sơ đồ án được gửi tới 45 chuyên gia và 6 cơ quan, tổ chức; hội thảo"
                    " chuyên đề được tổ chức ngày 20 tháng 01 năm 2026 tại Hà Nội.",
                ),
            ),
        ),
        conclusions=(
            "Đồ án cơ bản đáp ứng yêu cầu của nhiệm vụ quy hoạch đã được phê duyệt; đơn"
            " vị tư vấn cần hoàn thiện các nội dung đã tiếp thu trước khi trình thẩm định.",
        ),
        recommendations=(
            "Đề nghị Sở Quy hoạch - Kiến trúc Hà Nội chỉ đạo đơn vị tư vấn hoàn thiện hồ"
            " sơ theo các nội dung đã tiếp thu.",
            "Đề nghị tổ chức lấy ý kiến cộng đồng dân cư về các nội dung còn ý kiến khác nhau.",
        ),
        recipients=("Sở Quy hoạch - Kiến trúc Hà Nội", "UBND quận Long Biên", "Thường trực Hội"),
        archive="VP",
        items=make_items(count, seed),
    )


def median_seconds(build: Callable[[], bytes], runs: int) -> tuple[float, int]:
    timings: list[float] = []
    size = 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(build())
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", type=Path, help="directory to write the files to")
    args = parser.parse_args()

    data = make_report(args.items, args.seed)
    builds: dict[str, tuple[str, Callable[[], bytes]]] = {
        "report": ("bao-cao.docx", lambda: synthesis_report_docx(data)),
        "report without appendix": (
            "bao-cao-khong-phu-luc.docx",
            lambda: synthesis_report_docx(data, include_response_table=False),
        ),
        "response table": ("bang-tiep-thu.docx", lambda: response_table_docx(data)),
        "opinions xlsx": (
            "y-kien.xlsx",
            lambda: opinion_items_xlsx(data.items, DOSSIER, date=data.header.date),
        ),
    }
    print(f"{args.items} opinions, median of {args.runs} runs")
    for label, (filename, build) in builds.items():
        seconds, size = median_seconds(build, args.runs)
        verdict = ""
        if label == "report":
            verdict = "  (target < 1 s: " + ("met" if seconds < TARGET_SECONDS else "MISSED") + ")"
        print(f"  {label:<25} {seconds * 1000:8.1f} ms  {size / 1024:7.1f} KiB{verdict}")
        if args.output is not None:
            args.output.mkdir(parents=True, exist_ok=True)
            (args.output / filename).write_bytes(build())


if __name__ == "__main__":
    main()
