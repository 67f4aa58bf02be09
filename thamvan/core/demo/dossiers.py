"""Planning dossiers of several kinds with boundaries inside Hanoi."""

from __future__ import annotations

import io
from dataclasses import dataclass

import docx
import openpyxl
from django.db.models import Q

from thamvan.accounts.models import User
from thamvan.dossiers.models import Document, Dossier
from thamvan.dossiers.services import document_add, dossier_create, version_create
from thamvan.organizations.models import AdministrativeUnit, Organization

Kind = Dossier.Kind


@dataclass(frozen=True)
class DemoDossier:
    code: str
    name: str
    kind: str
    scale: str
    lead: str
    consultant: str | None
    investor: str | None
    communes: tuple[str, ...]
    # (west, south, east, north) in degrees; None for dossiers without a site.
    box: tuple[float, float, float, float] | None
    confidentiality: str
    stage: str
    description: str
    versions: int = 1


DOSSIERS = [
    DemoDossier(
        "QHPK-N9-2026",
        "Quy hoạch phân khu đô thị N9, tỷ lệ 1/2000",
        Kind.ZONING_PLAN,
        "1/2000",
        "qhkt",
        "vqh",
        None,
        ("Phường Long Biên", "Phường Phúc Lợi"),
        (105.895, 21.020, 105.935, 21.050),
        "internal",
        "consultation",
        "Điều chỉnh cục bộ quy hoạch phân khu N9 nhằm bổ sung quỹ đất cây xanh, trường học và bãi đỗ xe; kết nối ga đường sắt đô thị số 1.",
        2,
    ),
    DemoDossier(
        "QHPK-R-SH-2024",
        "Quy hoạch phân khu đô thị sông Hồng, tỷ lệ 1/5000",
        Kind.ZONING_PLAN,
        "1/5000",
        "qhkt",
        "viup",
        None,
        ("Phường Hồng Hà", "Phường Long Biên", "Phường Bồ Đề"),
        (105.835, 21.000, 105.885, 21.085),
        "public",
        "publication",
        "Tổ chức không gian hai bên sông Hồng thành trục cảnh quan, sinh thái, văn hóa lịch sử của Thủ đô; công viên bãi sông và bảo tồn khu dân cư hiện hữu.",
    ),
    DemoDossier(
        "QCKT-HK-2025",
        "Quy chế quản lý kiến trúc phường Hoàn Kiếm",
        Kind.ARCHITECTURE_REGULATION,
        "",
        "hoankiem",
        "tvdt",
        None,
        ("Phường Hoàn Kiếm",),
        (105.843, 21.021, 105.860, 21.037),
        "public",
        "consultation",
        "Quy định về chiều cao, mật độ, hình thức kiến trúc, màu sắc và biển hiệu trong khu phố cổ, khu phố cũ và quanh hồ Hoàn Kiếm.",
    ),
    DemoDossier(
        "QHCT-TC-2026",
        "Quy hoạch chi tiết khu đô thị mới Thượng Cát, tỷ lệ 1/500",
        Kind.DETAILED_PLAN,
        "1/500",
        "qhkt",
        "tvsh",
        "dthn",
        ("Phường Thượng Cát",),
        (105.745, 21.080, 105.770, 21.100),
        "restricted",
        "preparation",
        "Khu đô thị mới phía tây bắc với nhà ở xã hội, trường học liên cấp và công viên ven sông Hồng; quy mô dân số dự kiến khoảng 18.000 người.",
    ),
    DemoDossier(
        "NVQH-DA-2026",
        "Nhiệm vụ quy hoạch phân khu đô thị Đông Anh, tỷ lệ 1/2000",
        Kind.ZONING_PLAN_BRIEF,
        "1/2000",
        "qhkt",
        None,
        None,
        ("Xã Đông Anh",),
        (105.835, 21.120, 105.885, 21.160),
        "internal",
        "preparation",
        "Xác định phạm vi, mục tiêu, các chỉ tiêu kinh tế - kỹ thuật chủ yếu làm cơ sở lập quy hoạch phân khu khu vực phía bắc sông Hồng.",
    ),
    DemoDossier(
        "QHCT-HT-2025",
        "Quy hoạch chi tiết khu vực ven hồ Tây, tỷ lệ 1/500",
        Kind.DETAILED_PLAN,
        "1/500",
        "qhkt",
        "tvdt",
        "dthn",
        ("Phường Tây Hồ",),
        (105.812, 21.048, 105.838, 21.068),
        "internal",
        "appraisal",
        "Tổ chức không gian công cộng, đường dạo ven hồ, kiểm soát chiều cao công trình và bảo vệ mặt nước hồ Tây.",
        2,
    ),
    DemoDossier(
        "TKDT-THD-2025",
        "Thiết kế đô thị riêng tuyến phố Tràng Tiền - Hàng Khay",
        Kind.URBAN_DESIGN,
        "1/500",
        "hoankiem",
        "tvdt",
        None,
        ("Phường Hoàn Kiếm", "Phường Cửa Nam"),
        (105.850, 21.022, 105.860, 21.027),
        "public",
        "approval",
        "Thiết kế đô thị cho tuyến phố đi bộ cuối tuần: cao độ vỉa hè, cây xanh, chiếu sáng, biển hiệu và mặt đứng công trình.",
    ),
    DemoDossier(
        "NVQHC-SS-2026",
        "Nhiệm vụ quy hoạch chung đô thị Sóc Sơn đến năm 2045",
        Kind.GENERAL_PLAN_BRIEF,
        "1/10000",
        "qhkt",
        "viup",
        None,
        ("Xã Sóc Sơn",),
        (105.800, 21.225, 105.880, 21.295),
        "internal",
        "consultation",
        "Đô thị vệ tinh phía bắc gắn với Cảng hàng không quốc tế Nội Bài, công nghiệp công nghệ cao và du lịch sinh thái.",
    ),
    DemoDossier(
        "QHTMB-BD-2026",
        "Quy hoạch tổng mặt bằng trường trung học cơ sở Ba Đình",
        Kind.SITE_PLAN,
        "1/500",
        "badinh",
        "tvsh",
        None,
        ("Phường Ba Đình",),
        (105.833, 21.035, 105.836, 21.037),
        "public",
        "preparation",
        "Xây mới khối học tập 5 tầng, nhà thể chất và sân chơi; giữ lại cây xanh hiện hữu.",
    ),
    DemoDossier(
        "QHCT-TOD-C9-2026",
        "Quy hoạch chi tiết khu vực ga C9 tuyến đường sắt đô thị số 2 theo mô hình TOD",
        Kind.DETAILED_PLAN,
        "1/500",
        "qhkt",
        "tvht",
        "dtdb",
        ("Phường Hoàn Kiếm",),
        (105.846, 21.026, 105.853, 21.031),
        "restricted",
        "preparation",
        "Phát triển không gian ngầm và quảng trường quanh ga ngầm C9, kết nối đi bộ với hồ Hoàn Kiếm; yêu cầu đánh giá tác động đến di tích.",
    ),
    DemoDossier(
        "QHC-GL-2025",
        "Quy hoạch chung xã Gia Lâm đến năm 2035",
        Kind.GENERAL_PLAN,
        "1/5000",
        "gialam",
        "vqh",
        None,
        ("Xã Gia Lâm",),
        (105.930, 20.990, 105.990, 21.040),
        "public",
        "approval",
        "Định hướng phát triển khu dân cư, làng nghề Bát Tràng, vùng sản xuất nông nghiệp công nghệ cao và hạ tầng kỹ thuật.",
    ),
    DemoDossier(
        "DA-CCC-2026",
        "Đề án cải tạo, xây dựng lại chung cư cũ trên địa bàn thành phố",
        Kind.OTHER,
        "",
        "sxd",
        None,
        None,
        (),
        None,
        "internal",
        "consultation",
        "Dự thảo đề án về cơ chế lựa chọn nhà đầu tư, tái định cư tại chỗ, chỉ tiêu quy hoạch khi cải tạo các khu chung cư cũ.",
    ),
    DemoDossier(
        "QHPK-HD-2026",
        "Quy hoạch phân khu đô thị S4, tỷ lệ 1/5000",
        Kind.ZONING_PLAN,
        "1/5000",
        "qhkt",
        "viup",
        None,
        ("Phường Hà Đông", "Phường Yên Nghĩa"),
        (105.740, 20.945, 105.790, 20.985),
        "internal",
        "adjustment",
        "Vành đai xanh dọc sông Nhuệ, hành lang thoát lũ và khu đô thị sinh thái mật độ thấp.",
    ),
    DemoDossier(
        "NVTKDT-HQV-2026",
        "Nhiệm vụ thiết kế đô thị riêng trục đường Hoàng Quốc Việt",
        Kind.URBAN_DESIGN_BRIEF,
        "1/500",
        "qhkt",
        None,
        None,
        ("Phường Cầu Giấy",),
        (105.780, 21.044, 105.805, 21.048),
        "internal",
        "preparation",
        "Kiểm soát khoảng lùi, chiều cao và không gian ngầm dọc tuyến đường sắt đô thị số 2.",
    ),
]

SECTIONS = [
    (
        "Lý do và sự cần thiết",
        "Khu vực nghiên cứu có vị trí quan trọng trong cấu trúc đô thị; việc lập quy hoạch nhằm cụ thể hóa Quy hoạch chung xây dựng Thủ đô và đáp ứng nhu cầu phát triển.",
    ),
    (
        "Phạm vi, ranh giới và quy mô",
        "Phạm vi nghiên cứu được xác định trên bản đồ kèm theo; quy mô diện tích và dân số tuân thủ chỉ tiêu của quy hoạch cấp trên.",
    ),
    (
        "Hiện trạng",
        "Hiện trạng sử dụng đất chủ yếu là đất ở làng xóm, đất nông nghiệp và mặt nước; hạ tầng kỹ thuật chưa đồng bộ, thường xuyên ngập úng cục bộ khi mưa lớn.",
    ),
    (
        "Quy hoạch sử dụng đất",
        "Bố trí đất cây xanh, trường học, bãi đỗ xe và công trình công cộng theo bán kính phục vụ; mật độ xây dựng và tầng cao được kiểm soát theo từng ô quy hoạch.",
    ),
    (
        "Hạ tầng kỹ thuật",
        "Mạng lưới giao thông kết nối với vành đai và ga đường sắt đô thị; hệ thống thoát nước mưa, nước thải riêng; cao độ nền khống chế phù hợp với quy hoạch thủy lợi.",
    ),
]


def _polygon(box: tuple[float, float, float, float]) -> dict:
    west, south, east, north = box
    notch = (east - west) * 0.18
    ring = [
        [west, south],
        [east, south],
        [east, north - (north - south) * 0.25],
        [east - notch, north],
        [west, north],
        [west, south],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _explanatory_report(demo: DemoDossier, version: int) -> bytes:
    document = docx.Document()
    document.add_heading(f"THUYẾT MINH {demo.name.upper()}", level=1)
    document.add_paragraph(f"Phiên bản {version}. {demo.description}")
    for number, (heading, text) in enumerate(SECTIONS, start=1):
        document.add_heading(f"{number}. {heading}", level=2)
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _land_use_table(demo: DemoDossier) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sử dụng đất"
    sheet.append(["STT", "Loại đất", "Diện tích (ha)", "Tỷ lệ (%)"])
    for row in [
        (1, "Đất ở", 42.5, 35.0),
        (2, "Đất cây xanh, mặt nước", 24.3, 20.0),
        (3, "Đất công trình công cộng", 12.1, 10.0),
        (4, "Đất giao thông", 30.4, 25.0),
        (5, "Đất hạ tầng kỹ thuật khác", 12.1, 10.0),
    ]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _actor_for(lead: Organization) -> User:
    officer = (
        User.objects.filter(
            memberships__organization=lead, memberships__role="agency_officer", is_active=True
        )
        .order_by("pk")
        .first()
    )
    if officer is not None:
        return officer
    return User.objects.filter(Q(is_superuser=True) | Q(memberships__role="admin")).order_by("pk")[
        0
    ]


def load(organizations: dict[str, Organization]) -> int:
    for demo in DOSSIERS:
        if Dossier.objects.filter(code=demo.code).exists():
            continue
        lead = organizations[demo.lead]
        actor = _actor_for(lead)
        dossier = dossier_create(
            actor=actor,
            code=demo.code,
            name=demo.name,
            kind=demo.kind,
            lead_agency=lead,
            stage=demo.stage,
            scale=demo.scale,
            boundary=_polygon(demo.box) if demo.box else None,
            communes=AdministrativeUnit.objects.filter(level="commune", name__in=demo.communes),
            preparing_consultant=organizations[demo.consultant] if demo.consultant else None,
            investor=organizations[demo.investor] if demo.investor else None,
            description=demo.description,
            confidentiality=demo.confidentiality,
            first_version_label="Hồ sơ lấy ý kiến lần 1",
        )
        version = dossier.versions.get(number=1)
        for number in range(1, demo.versions + 1):
            if number > 1:
                version = version_create(
                    actor=actor,
                    dossier=dossier,
                    label=f"Hồ sơ hoàn thiện lần {number}",
                    note="Cập nhật theo ý kiến góp ý của các chuyên gia và cơ quan liên quan.",
                )
            document_add(
                actor=actor,
                version=version,
                file=io.BytesIO(_explanatory_report(demo, number)),
                kind=Document.Kind.EXPLANATORY_REPORT,
                title="Thuyết minh tổng hợp",
                filename=f"Thuyết minh {demo.code} v{number}.docx",
            )
            document_add(
                actor=actor,
                version=version,
                file=io.BytesIO(_land_use_table(demo)),
                kind=Document.Kind.OTHER,
                title="Bảng cân bằng sử dụng đất",
                filename=f"Bảng cân bằng sử dụng đất {demo.code}.xlsx",
            )
    return Dossier.objects.count()
