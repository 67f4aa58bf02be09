from __future__ import annotations

from dataclasses import dataclass

from thamvan.accounts.models import Membership, Role, User
from thamvan.organizations.models import AdministrativeUnit, Organization

DEMO_PASSWORD = "demo12345"
Kind = Organization.Kind

# (key, name, abbreviation, kind, parent key, commune or province name)
ORGANIZATIONS: list[tuple[str, str, str, str, str | None, str | None]] = [
    (
        "city",
        "Ủy ban nhân dân thành phố Hà Nội",
        "UBND",
        Kind.CITY_COMMITTEE,
        None,
        "Thành phố Hà Nội",
    ),
    ("qhkt", "Sở Quy hoạch - Kiến trúc Hà Nội", "QHKT", Kind.DEPARTMENT, "city", None),
    ("sxd", "Sở Xây dựng Hà Nội", "SXD", Kind.DEPARTMENT, "city", None),
    ("nnmt", "Sở Nông nghiệp và Môi trường Hà Nội", "SNNMT", Kind.DEPARTMENT, "city", None),
    ("vqh", "Viện Quy hoạch Xây dựng Hà Nội", "HUPI", Kind.UNIVERSITY, "city", None),
    (
        "hoankiem",
        "Ủy ban nhân dân phường Hoàn Kiếm",
        "UBND",
        Kind.COMMUNE_COMMITTEE,
        "city",
        "Phường Hoàn Kiếm",
    ),
    (
        "badinh",
        "Ủy ban nhân dân phường Ba Đình",
        "UBND",
        Kind.COMMUNE_COMMITTEE,
        "city",
        "Phường Ba Đình",
    ),
    (
        "longbien",
        "Ủy ban nhân dân phường Long Biên",
        "UBND",
        Kind.COMMUNE_COMMITTEE,
        "city",
        "Phường Long Biên",
    ),
    (
        "tayho",
        "Ủy ban nhân dân phường Tây Hồ",
        "UBND",
        Kind.COMMUNE_COMMITTEE,
        "city",
        "Phường Tây Hồ",
    ),
    (
        "donganh",
        "Ủy ban nhân dân xã Đông Anh",
        "UBND",
        Kind.COMMUNE_COMMITTEE,
        "city",
        "Xã Đông Anh",
    ),
    ("gialam", "Ủy ban nhân dân xã Gia Lâm", "UBND", Kind.COMMUNE_COMMITTEE, "city", "Xã Gia Lâm"),
    (
        "vupda",
        "Hội Quy hoạch phát triển đô thị Việt Nam",
        "HQHPTĐTVN",
        Kind.ASSOCIATION,
        None,
        None,
    ),
    (
        "hnupda",
        "Hội Quy hoạch phát triển đô thị Hà Nội",
        "HQHPTĐTHN",
        Kind.ASSOCIATION_BRANCH,
        "vupda",
        "Thành phố Hà Nội",
    ),
    ("kts", "Hội Kiến trúc sư Việt Nam", "HKTSVN", Kind.ASSOCIATION, None, None),
    ("viup", "Viện Quy hoạch đô thị và nông thôn quốc gia", "VIUP", Kind.UNIVERSITY, None, None),
    ("huce", "Trường Đại học Xây dựng Hà Nội", "HUCE", Kind.UNIVERSITY, None, None),
    ("hau", "Trường Đại học Kiến trúc Hà Nội", "HAU", Kind.UNIVERSITY, None, None),
    ("uct", "Trường Đại học Giao thông vận tải", "UTC", Kind.UNIVERSITY, None, None),
    (
        "tvsh",
        "Công ty Cổ phần Tư vấn Quy hoạch Sông Hồng",
        "SHPC",
        Kind.CONSULTING_FIRM,
        None,
        None,
    ),
    (
        "tvdt",
        "Công ty TNHH Tư vấn Thiết kế Đô thị Thăng Long",
        "TLUD",
        Kind.CONSULTING_FIRM,
        None,
        None,
    ),
    (
        "tvht",
        "Công ty Cổ phần Tư vấn Hạ tầng và Môi trường Việt",
        "VIEC",
        Kind.CONSULTING_FIRM,
        None,
        None,
    ),
    ("dthn", "Công ty Cổ phần Đầu tư Phát triển Đô thị Hồ Tây", "HTD", Kind.INVESTOR, None, None),
    ("dtdb", "Tổng công ty Đầu tư Phát triển Đô thị Bắc Hà Nội", "BHN", Kind.INVESTOR, None, None),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    organization: str
    role: str
    position: str


DEMO_USERS = [
    DemoUser("admin@thamvan.example", "Hoàng Văn Quản", "vupda", Role.ADMIN, "Quản trị hệ thống"),
    DemoUser(
        "vanphong@thamvan.example",
        "Phạm Thu Trang",
        "vupda",
        Role.SECRETARIAT,
        "Chánh Văn phòng Hội",
    ),
    DemoUser("chuyengia@thamvan.example", "Trần Quốc Bảo", "vupda", Role.EXPERT, "Hội viên"),
    DemoUser(
        "chutri@thamvan.example", "Lê Thị Minh Châu", "hnupda", Role.EXPERT, "Phó Chủ tịch Hội"
    ),
    DemoUser(
        "lanhdao@thamvan.example",
        "Vũ Đình Khoa",
        "city",
        Role.LEADERSHIP,
        "Phó Chủ tịch UBND Thành phố",
    ),
    DemoUser(
        "canbo@thamvan.example",
        "Nguyễn Thị Hạnh",
        "qhkt",
        Role.AGENCY_OFFICER,
        "Chuyên viên Phòng Quy hoạch",
    ),
    DemoUser(
        "phuong@thamvan.example",
        "Đỗ Văn Long",
        "hoankiem",
        Role.AGENCY_OFFICER,
        "Cán bộ địa chính - xây dựng",
    ),
]


def load_organizations() -> dict[str, Organization]:
    by_key: dict[str, Organization] = {}
    for key, name, abbreviation, kind, parent_key, unit_name in ORGANIZATIONS:
        unit = AdministrativeUnit.objects.filter(name=unit_name).first() if unit_name else None
        organization, _ = Organization.objects.get_or_create(
            name=name,
            defaults={
                "abbreviation": abbreviation,
                "kind": kind,
                "parent": by_key.get(parent_key) if parent_key else None,
                "administrative_unit": unit,
            },
        )
        by_key[key] = organization
    return by_key


def load_users(organizations: dict[str, Organization]) -> list[DemoUser]:
    for demo in DEMO_USERS:
        user = User.objects.filter(email=demo.email).first()
        if user is None:
            user = User.objects.create_user(
                demo.email,
                DEMO_PASSWORD,
                full_name=demo.full_name,
                is_staff=demo.role == Role.ADMIN,
                is_superuser=demo.role == Role.ADMIN,
            )
        Membership.objects.get_or_create(
            user=user,
            organization=organizations[demo.organization],
            role=demo.role,
            defaults={"position": demo.position},
        )
    return DEMO_USERS
