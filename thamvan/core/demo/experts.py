"""About seventy experts of the association and its Hanoi branch."""

from __future__ import annotations

import random
from datetime import date, datetime

from django.utils import timezone

from thamvan.accounts.models import User
from thamvan.experts.models import (
    Affiliation,
    ConflictDeclaration,
    Expert,
    ExpertSpecialty,
    Specialty,
    UnavailablePeriod,
)
from thamvan.organizations.models import Organization

Kind = ConflictDeclaration.Kind
# Conflicts of interest the experts declared, by membership number: (kind, what it
# names, start, end, reason, withdrawn). The demo panels seat the two demo accounts, so
# Trần Quốc Bảo's own declarations concern no demo dossier.
DECLARATIONS = [
    (
        "HQH-0001",
        Kind.PROJECT,
        "Khu đô thị mới Tây Mỗ - Đại Mỗ",
        date(2019, 3, 1),
        date(2022, 6, 30),
        "Chủ nhiệm thiết kế đô thị của dự án",
        False,
    ),
    (
        "HQH-0001",
        Kind.ORGANIZATION,
        "huce",
        date(2016, 9, 1),
        None,
        "Thỉnh giảng, đã kết thúc hợp đồng",
        True,
    ),
    (
        "HQH-0006",
        Kind.ORGANIZATION,
        "tvdt",
        date(2023, 1, 1),
        None,
        "Cố vấn kỹ thuật cho đơn vị tư vấn theo hợp đồng",
        False,
    ),
    ("HQH-0014", Kind.PERSON, "HQH-0013", date(2005, 10, 1), None, "Vợ chồng", False),
    (
        "HQH-0021",
        Kind.PROJECT,
        "QHCT-HT-2025",
        date(2024, 2, 1),
        None,
        "Tham gia khảo sát hiện trạng cho đồ án",
        False,
    ),
]

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Phan",
    "Đinh",
    "Trịnh",
    "Lưu",
    "Đào",
]
MIDDLE_MALE = [
    "Văn",
    "Đình",
    "Quốc",
    "Minh",
    "Hữu",
    "Đức",
    "Xuân",
    "Thành",
    "Ngọc",
    "Mạnh",
    "Trọng",
]
MIDDLE_FEMALE = ["Thị", "Thu", "Minh", "Thanh", "Ngọc", "Hồng", "Lan", "Phương"]
GIVEN_MALE = [
    "Hùng",
    "Dũng",
    "Tuấn",
    "Sơn",
    "Thắng",
    "Cường",
    "Khánh",
    "Hiếu",
    "Long",
    "Nam",
    "Phong",
    "Quang",
    "Thịnh",
    "Tùng",
    "Vinh",
    "Bảo",
    "Đức",
    "Hải",
]
GIVEN_FEMALE = [
    "Hà",
    "Hương",
    "Lan",
    "Mai",
    "Ngọc",
    "Thảo",
    "Trang",
    "Hạnh",
    "Linh",
    "Yến",
    "Nga",
    "Vân",
    "Châu",
    "Dung",
]

# (rank, degree) mixes seen among the association's members.
TITLES = [
    ("GS", "TS"),
    ("GS", "TSKH"),
    ("PGS", "TS"),
    ("PGS", "TS"),
    ("", "TS"),
    ("", "TS"),
    ("", "TS"),
    ("", "KTS"),
    ("", "KTS"),
    ("", "ThS"),
    ("", "ThS"),
    ("", "KS"),
]

# Specialty slugs with the keywords and a sentence of biography for each field.
FIELDS: dict[str, tuple[str, str]] = {
    "quy-hoach-vung": (
        "quy hoạch vùng Thủ đô, vùng đồng bằng sông Hồng, liên kết vùng",
        "nghiên cứu quy hoạch vùng Thủ đô và liên kết vùng đồng bằng sông Hồng",
    ),
    "quy-hoach-do-thi": (
        "quy hoạch chung, quy hoạch phân khu, đô thị vệ tinh, đô thị mới",
        "chủ trì nhiều đồ án quy hoạch chung và quy hoạch phân khu đô thị",
    ),
    "quy-hoach-nong-thon": (
        "nông thôn mới, điểm dân cư nông thôn, làng ven đô",
        "tư vấn quy hoạch xây dựng nông thôn mới và làng ven đô",
    ),
    "kien-truc": (
        "kiến trúc công trình, quy chế quản lý kiến trúc, nhà cao tầng",
        "thiết kế công trình công cộng và biên soạn quy chế quản lý kiến trúc",
    ),
    "thiet-ke-do-thi": (
        "thiết kế đô thị, không gian công cộng, tuyến phố, phố đi bộ",
        "thiết kế đô thị các tuyến phố chính và không gian công cộng",
    ),
    "giao-thong": (
        "giao thông đô thị, đường sắt đô thị, giao thông công cộng, TOD, bãi đỗ xe",
        "quy hoạch mạng lưới giao thông và đường sắt đô thị",
    ),
    "ha-tang-ky-thuat": (
        "hạ tầng kỹ thuật, chuẩn bị kỹ thuật, cao độ nền, tuy nen kỹ thuật",
        "quy hoạch hạ tầng kỹ thuật và chuẩn bị kỹ thuật đô thị",
    ),
    "cap-thoat-nuoc": (
        "thoát nước mưa, ngập úng, xử lý nước thải, cấp nước sạch",
        "nghiên cứu thoát nước đô thị và chống ngập úng",
    ),
    "moi-truong": (
        "đánh giá môi trường chiến lược, chất thải rắn, ô nhiễm không khí",
        "đánh giá môi trường chiến lược cho quy hoạch đô thị",
    ),
    "kinh-te-do-thi": (
        "kinh tế đô thị, tài chính đất đai, đầu tư công, giá trị gia tăng từ đất",
        "nghiên cứu kinh tế đô thị và cơ chế tài chính cho phát triển đô thị",
    ),
    "xa-hoi-hoc-do-thi": (
        "xã hội học đô thị, tái định cư, tham vấn cộng đồng",
        "nghiên cứu tái định cư và sự tham gia của cộng đồng",
    ),
    "bao-ton-di-san": (
        "bảo tồn di sản, phố cổ, phố cũ, Hoàng thành Thăng Long, làng cổ",
        "bảo tồn khu phố cổ, phố cũ và di sản kiến trúc Hà Nội",
    ),
    "canh-quan": (
        "cảnh quan, cây xanh, mặt nước, hồ Tây, trục sông Hồng",
        "thiết kế cảnh quan ven sông Hồng và hệ thống hồ",
    ),
    "dia-ky-thuat": (
        "địa kỹ thuật, nền đất yếu, công trình ngầm, sụt lún",
        "khảo sát địa kỹ thuật và công trình ngầm đô thị",
    ),
    "phap-luat-xay-dung": (
        "Luật Quy hoạch đô thị và nông thôn, thủ tục thẩm định, phê duyệt",
        "soạn thảo văn bản pháp luật về quy hoạch và xây dựng",
    ),
    "gis-va-du-lieu": (
        "GIS, dữ liệu không gian, bản đồ số, đô thị thông minh",
        "xây dựng cơ sở dữ liệu GIS phục vụ quản lý quy hoạch",
    ),
    "quan-ly-do-thi": (
        "quản lý đô thị, quản lý quy hoạch, chính quyền đô thị",
        "nghiên cứu mô hình quản lý phát triển đô thị",
    ),
    "nha-o-va-bat-dong-san": (
        "nhà ở xã hội, chung cư cũ, cải tạo đô thị, bất động sản",
        "nghiên cứu cải tạo chung cư cũ và nhà ở xã hội",
    ),
    "nang-luong-va-cong-trinh-xanh": (
        "công trình xanh, năng lượng tái tạo, đô thị tăng trưởng xanh",
        "tư vấn công trình xanh và đô thị phát thải thấp",
    ),
    "phong-chong-thien-tai": (
        "phòng chống lũ, đê điều, bãi sông, biến đổi khí hậu",
        "nghiên cứu quy hoạch bãi sông và thích ứng biến đổi khí hậu",
    ),
}

WORKPLACES = ["viup", "huce", "hau", "uct", "vqh", "tvsh", "tvdt", "tvht", "qhkt", "sxd", "kts"]
EXPERT_COUNT = 72


def _name(rng: random.Random, taken: set[str]) -> str:
    while True:
        if rng.random() < 0.35:
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"
        else:
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
        if name not in taken:
            taken.add(name)
            return name


def _email(index: int, user: User | None) -> str:
    """Members give the association an e-mail address, and have no account until their
    first invitation; a few older members are reached by telephone only."""
    if user is not None:
        return user.email
    return "" if index % 12 == 11 else f"hoivien{index + 1:03d}@thamvan.example"


def load(organizations: dict[str, Organization]) -> int:
    specialties = {s.slug: s for s in Specialty.objects.all()}
    slugs = [slug for slug in FIELDS if slug in specialties]
    rng = random.Random(2020)
    taken: set[str] = {"Trần Quốc Bảo", "Lê Thị Minh Châu"}
    # The two demo expert accounts come first so their profiles exist.
    people: list[tuple[str, User | None]] = [
        ("Trần Quốc Bảo", User.objects.filter(email="chuyengia@thamvan.example").first()),
        ("Lê Thị Minh Châu", User.objects.filter(email="chutri@thamvan.example").first()),
    ]
    people += [(_name(rng, taken), None) for _ in range(EXPERT_COUNT - len(people))]
    for index, (full_name, user) in enumerate(people):
        number = f"HQH-{index + 1:04d}"
        rank, degree = TITLES[index % len(TITLES)]
        main = slugs[index % len(slugs)]
        extra = slugs[(index * 7 + 3) % len(slugs)]
        chosen = [main] if extra == main else [main, extra]
        keywords = "; ".join(FIELDS[slug][0] for slug in chosen)
        # The demo accounts sit on every demo panel: they work where no demo dossier was
        # prepared, or the conflict-of-interest rule would keep them off.
        workplace = organizations["hau" if index == 0 else WORKPLACES[index % len(WORKPLACES)]]
        home = organizations["vupda" if index % 3 else "hnupda"]
        expert, created = Expert.objects.get_or_create(
            membership_number=number,
            defaults={
                "full_name": full_name,
                "user": user,
                "academic_rank": rank,
                "degree": degree,
                "home_organization": home,
                "email": _email(index, user),
                "phone": f"09{rng.randrange(10_000_000, 99_999_999)}",
                "max_concurrent_consultations": 2 + index % 4,
                "keywords": keywords,
                "biography": (
                    f"Công tác tại {workplace.name}; {FIELDS[main][1]}. "
                    f"Hơn {10 + index % 25} năm kinh nghiệm tham gia hội đồng thẩm định "
                    "và góp ý các đồ án quy hoạch trên địa bàn Thủ đô."
                ),
                "publications": "\n".join(
                    f"{FIELDS[slug][1].capitalize()}, Tạp chí Quy hoạch đô thị, số {20 + (index + n) % 40}, {2015 + (index + n) % 10}."
                    for n, slug in enumerate(chosen)
                ),
            },
        )
        if not created:
            continue
        for position, slug in enumerate(chosen):
            ExpertSpecialty.objects.create(
                expert=expert, specialty=specialties[slug], is_primary=position == 0
            )
        Affiliation.objects.create(
            expert=expert,
            organization=workplace,
            position="Chuyên gia" if index % 2 else "Trưởng phòng",
            start_date=date(2008 + index % 12, 1 + index % 12, 1),
        )
        if index % 9 == 4:
            # An earlier job that ended recently: conflict-of-interest checks see it.
            Affiliation.objects.create(
                expert=expert,
                organization=organizations["tvsh"],
                position="Chủ nhiệm đồ án",
                start_date=date(2015, 3, 1),
                end_date=date(2025, 6, 30),
            )
        if index % 11 == 6:
            UnavailablePeriod.objects.create(
                expert=expert,
                start_date=date(2026, 12, 1),
                end_date=date(2027, 1, 15),
                reason="Công tác nước ngoài",
            )
    _declare_conflicts(organizations)
    return Expert.objects.count()


def _declare_conflicts(organizations: dict[str, Organization]) -> None:
    """A few declared conflicts, recorded by the secretariat for experts without an account."""
    secretariat = User.objects.filter(email="vanphong@thamvan.example").first()
    numbers = {row[0] for row in DECLARATIONS} | {row[2] for row in DECLARATIONS}
    experts = {e.membership_number: e for e in Expert.objects.filter(membership_number__in=numbers)}
    for number, kind, named, start, end, reason, withdrawn in DECLARATIONS:
        expert = experts.get(number)
        if expert is None or expert.conflict_declarations.filter(reason=reason).exists():
            continue
        declaration = ConflictDeclaration(
            expert=expert,
            kind=kind,
            start_date=start,
            end_date=end,
            reason=reason,
            declared_by=expert.user or secretariat,
            declared_at=timezone.make_aware(datetime(start.year, start.month, start.day, 9)),
        )
        if kind == Kind.ORGANIZATION:
            declaration.organization = organizations[named]
        elif kind == Kind.PERSON:
            declaration.other_expert = experts[named]
        else:
            declaration.name = named
        if withdrawn:
            declaration.withdrawn_at = timezone.make_aware(datetime(2025, 3, 3, 10))
            declaration.withdrawn_by = expert.user
        declaration.save()
